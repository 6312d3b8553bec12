// The cut of the node-cut-from-redis fault (test/faults/netns.ts), on its
// own: a node in its own network namespace, reaching Redis over one veth
// link and reached by its clients over another. Taking the Redis link down
// must leave the node unable to reach Redis (its /readyz, which asks Redis,
// fails) while its clients still reach it (/healthz, on the same HTTP server
// as the /v1/zk WebSocket, answers over the client link), and bringing
// it up must make it whole again. Where namespaces are not permitted the
// fault runs fall back to the TCP relay: this test then checks that cut
// instead, and says so.

import t from 'tap'
import { makeNetns } from '../faults/netns'
import { startTcpProxy } from '../faults/tcp-proxy'
import { httpGet } from '../support/launch'
import { sleep } from '../support/proc'
import { startNode, startRedis } from '../support/topology'

/** Polls until `probe` holds (a condition, not a duration); fails after `ms`. */
async function until (what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`)
    await sleep(200)
  }
}

t.test('a node cut off from Redis still answers its clients, and comes back when the link does', async (t) => {
  const made = await makeNetns(1)
  const ns = 'unavailable' in made ? undefined : made
  if (ns !== undefined) t.teardown(() => ns.remove())
  else t.comment(`network namespaces unavailable (${(made as { unavailable: string }).unavailable}): checking the TCP relay cut instead`)

  const redis = await startRedis(ns !== undefined ? { bind: ns.redisHosts } : {})
  t.teardown(() => redis.stop())
  let url: string
  let cut: { block(): Promise<void>, unblock(): Promise<void> }
  if (ns !== undefined) {
    url = `redis://${ns.nodes[0].redisHost}:${redis.port}`
    cut = ns.nodes[0]
  } else {
    const relay = await startTcpProxy(redis.port)
    t.teardown(() => relay.close())
    url = `redis://127.0.0.1:${relay.port}`
    cut = { block: async () => relay.block(), unblock: async () => relay.unblock() }
  }
  const node = await startNode(url, ns !== undefined ? { netns: { name: ns.nodes[0].name, host: ns.nodes[0].host } } : {})
  t.teardown(() => node.stop())
  const host = node.hostPort.slice(0, node.hostPort.lastIndexOf(':'))
  if (ns !== undefined) t.equal(host, ns.nodes[0].host, 'the node listens on its namespace end of the client link')
  const status = async (path: string): Promise<number | undefined> => (await httpGet(node.httpPort, path, 2000, undefined, host))?.status

  t.equal(await status('/readyz'), 200, 'ready: it reaches Redis')
  await cut.block()
  await until('/readyz fails with the Redis link cut', async () => (await status('/readyz')) !== 200)
  t.pass('/readyz fails: the node cannot reach Redis')
  t.equal(await status('/healthz'), 200, 'and still answers its clients over the client link')
  await cut.unblock()
  await until('/readyz answers 200 again with the link back', async () => (await status('/readyz')) === 200)
  t.pass('the link back: ready again')
  t.ok(node.running, 'the node process lived through the cut')
})
