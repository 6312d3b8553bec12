// globalOutstandingLimit on a node: a client pipelining many requests
// while Redis does not answer (SIGSTOP) makes the node hold at most the
// limit + 1 of them (ZooKeeper's shouldThrottle: past the limit, a
// connection with one of its own outstanding stops reading); the rest wait
// unread, not as Redis calls and replies in the node's memory. Counted with
// the node's `cons` (queued, recved, interest ops). Once Redis answers,
// every request is served, in order.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { httpGet } from '../support/launch'
import { sleep } from '../support/proc'
import { startNode, startRedis, startSidecar } from '../support/topology'

const LIMIT = 5
const REQUESTS = 300

async function cons (httpPort: number): Promise<string> {
  const res = await httpGet(httpPort, '/v1/fourletter/cons', 10_000)
  if (res === null || res.status !== 200) throw new Error(`cons: ${res?.status ?? 'no answer'}`)
  return res.body
}

t.test('a node stops reading a connection past globalOutstandingLimit while Redis is stopped, and serves it all once Redis answers', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  // a long tick: Redis calls time out after one tick, and this test stops Redis for a while
  const node = await startNode(redis.url, { tickMs: 30_000, args: ['--global-outstanding-limit', String(LIMIT)] })
  t.teardown(() => node.stop())
  const sc = await startSidecar([node.url])
  t.teardown(() => sc.stop())
  const zk = await ZkClient.connect(sc.address, { timeout: 120_000 })
  t.teardown(() => zk.close())
  const sid = `sid=0x${zk.sessionId.toString(16)}`
  t.equal((await zk.request({ type: OpCode.create, path: '/o', data: Buffer.from('x'), dataLength: 1, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).err, Err.OK)

  let stopped = true
  process.kill(redis.pid, 'SIGSTOP')
  t.teardown(() => { if (stopped) process.kill(redis.pid, 'SIGCONT') })
  const replies = Array.from({ length: REQUESTS }, () => zk.request({ type: OpCode.getData, path: '/o', watch: false }))

  // wait for the node to stop reading this connection
  let line: string | undefined
  const deadline = Date.now() + 20_000
  for (;;) {
    line = (await cons(node.httpPort)).split('\n').find((l) => l.includes(sid))
    if (line !== undefined && /\[0\]\(queued=\d+/.test(line)) break
    if (Date.now() > deadline) throw new Error(`the node never stopped reading the connection: ${line ?? 'no cons line'}`)
    await sleep(100)
  }
  const queued = Number(/queued=(\d+)/.exec(line)?.[1])
  t.equal(queued, LIMIT + 1, `the node holds limit + 1 requests (ZooKeeper throttles once more than the limit are outstanding): ${line}`)

  process.kill(redis.pid, 'SIGCONT')
  stopped = false
  const got = await Promise.all(replies)
  t.equal(got.filter((r) => r.err === Err.OK).length, REQUESTS, 'every request is answered once Redis is back')
  const after = (await cons(node.httpPort)).split('\n').find((l) => l.includes(sid))
  t.match(after, /\[1\]\(queued=0,/, 'nothing left outstanding; the node reads the connection again')
})
