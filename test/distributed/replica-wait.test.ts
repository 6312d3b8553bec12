// --redis-wait-replicas: a write is acknowledged only once a Redis replica
// holds it (WAIT), and a write the replica cannot confirm in time closes the
// client's connection (CONNECTIONLOSS: outcome unknown) while reads go on.
// Real redis-server primary + replica, real node and sidecar processes, the
// node-zookeeper-client library as the ZooKeeper client. Configuration
// errors: test/node/replica-wait-config.test.ts.

import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { startNode, startRedis, startSidecar, type RedisHandle } from '../support/topology'
import { codeOf, NodeZk } from '../support/nodezk'
import { sleep } from '../support/proc'

/** ms: min session timeout 2 × tick = 8000, so WAIT may wait up to 4000 */
const TICK_MS = 4000
const WAIT_TIMEOUT_MS = 4000
const CONNECTION_LOSS = -4
const KEY = (path: string): string => `{rk}:n:${path}`

async function until<T> (what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

function client (port: number): Redis {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 })
  r.on('error', () => {})
  return r
}

/** Redis primary + one online replica, a node waiting for 1 replica, a sidecar. */
async function setup (t: Test): Promise<{ primary: Redis, replica: Redis, replicaServer: RedisHandle, address: string, nodeLog: string }> {
  const a = await startRedis()
  const b = await startRedis()
  const primary = client(a.port)
  const replica = client(b.port)
  await replica.call('REPLICAOF', '127.0.0.1', String(a.port))
  await until('the replica online', async () => /slave0:.*state=online/.test(await primary.info('replication')) ? true : undefined)
  const node = await startNode(a.url, { tickMs: TICK_MS, args: ['--redis-wait-replicas', '1', '--redis-wait-timeout-ms', String(WAIT_TIMEOUT_MS)] })
  const sidecar = await startSidecar([node.url])
  t.teardown(async () => {
    // a stopped replica must run again to be stopped
    try { process.kill(b.pid, 'SIGCONT') } catch { /* gone */ }
    primary.disconnect()
    replica.disconnect()
    await sidecar.stop()
    await node.stop()
    await b.stop()
    await a.stop()
  })
  return { primary, replica, replicaServer: b, address: sidecar.address, nodeLog: node.logFile }
}

t.test('an acknowledged write is on the replica at ack time', async (t) => {
  const { primary, replica, replicaServer, address } = await setup(t)
  const zks = await Promise.all(Array.from({ length: 4 }, () => NodeZk.connect(address)))
  t.teardown(async () => { for (const z of zks) await z.close() })
  await zks[0].create('/w', Buffer.from('root'))

  // Concurrent writers: each ack is checked on the replica before anything else runs.
  let writes = 0
  let missing = 0
  await Promise.all(zks.map(async (zk, k) => {
    for (let i = 0; i < 20; i++) {
      const path = `/w/c${k}-${i}`
      const data = `v${k}-${i}`
      if (i % 2 === 0) await zk.create(path, Buffer.from(data))
      else {
        await zk.create(path, Buffer.from('x'))
        await zk.setData(path, Buffer.from(data))
        writes++
      }
      writes++
      if (await replica.hget(KEY(path), 'd') !== data) missing++
    }
  }))
  t.equal(missing, 0, `all ${writes} acknowledged writes were on the replica when acknowledged`)
  const waits = Number(/cmdstat_wait:calls=(\d+)/.exec(await primary.info('commandstats'))?.[1] ?? 0)
  t.ok(waits >= 1 && waits <= writes + 10, `WAIT ran ${waits} times for ${writes} writes (grouped per event-loop turn)`)

  // With the replica paused, the reply is held: the write is on the primary
  // but not acknowledged; it is acknowledged once the replica has it.
  process.kill(replicaServer.pid, 'SIGSTOP')
  let acked = false
  const p = zks[1].setData('/w', Buffer.from('held')).then(() => { acked = true })
  await until('the write on the primary', async () => await primary.hget(KEY('/w'), 'd') === 'held' ? true : undefined)
  t.notOk(acked, 'not acknowledged while the replica cannot have it')
  process.kill(replicaServer.pid, 'SIGCONT')
  await p
  t.equal(await replica.hget(KEY('/w'), 'd'), 'held', 'on the replica once acknowledged')
  // reads never wait: a read of the same client right after is plain
  t.equal((await zks[1].getData('/w')).data?.toString(), 'held')
})

t.test('replica unreachable: the write fails with CONNECTIONLOSS after the timeout; reads are served', async (t) => {
  const { primary, replica, replicaServer, address, nodeLog } = await setup(t)
  const writer = await NodeZk.connect(address)
  const reader = await NodeZk.connect(address)
  t.teardown(async () => {
    await writer.close()
    await reader.close()
  })
  await writer.create('/s', Buffer.from('a'))

  process.kill(replicaServer.pid, 'SIGSTOP')
  let settled = false
  const write = codeOf(writer.setData('/s', Buffer.from('b'))).finally(() => { settled = true })
  await until('the write on the primary', async () => await primary.hget(KEY('/s'), 'd') === 'b' ? true : undefined)
  // another session's read is answered while the write waits for the replica
  const seen = (await reader.getData('/s')).data?.toString()
  t.notOk(settled, `a read (it saw ${JSON.stringify(seen)}) is served while the write waits`)
  t.equal(await write, CONNECTION_LOSS, 'the unconfirmed write ends in CONNECTIONLOSS (outcome unknown)')

  // The client reconnects with its session; reads work with the replica still stopped.
  const after = await until('the writer back with its session', async () => (await writer.getData('/s')).data?.toString())
  t.equal(after, 'b', 'the write did run on the primary: reading after the loss tells the client')
  t.equal(await codeOf(writer.exists('/s')), 0, 'exists is served with the replica stopped')
  t.match(readFileSync(nodeLog, 'utf8'), /not confirmed by the Redis replicas/, 'the node says why it closed the connection')

  process.kill(replicaServer.pid, 'SIGCONT')
  await until('the replica online again', async () => /slave0:.*state=online/.test(await primary.info('replication')) ? true : undefined)
  await until('a write acknowledged again', async () => { await writer.setData('/s', Buffer.from('c')); return true })
  t.equal(await replica.hget(KEY('/s'), 'd'), 'c', 'writes are acknowledged again once the replica is back')
})
