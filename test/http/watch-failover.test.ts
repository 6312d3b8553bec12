// The watch stream when a service node fails, on lb3 (redis → 3 nodes →
// haproxy → sidecar): real processes, kill -9 and SIGSTOP. A stream is a
// session of the node serving it; when that node dies the stream ends, the
// client opens a new one elsewhere (a new session, a new ready), and no
// event is invented or delivered twice, to the stream or to the ZooKeeper
// clients watching the same znodes. A node stopped for longer than the
// session timeout finds its stream's session expired and says so.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, EventType, OpCode, Perm } from '../../src/engine/codes'
import type { Request } from '../../src/engine/types'
import { startTopology, type Topology } from '../support/topology'
import { restArgs } from './rest-suite'
import { PING_MS } from '../../src/http/watch-feed'
import { changes, openSse, openWs, sessionIds as sessions, until, type WatchClient } from './watch-client'

t.setTimeout(60_000)

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
/** tickMs 200: maxSessionTimeout is 20 ticks, 4 s */
const TICK_MS = 200
const TIMEOUT_MS = 20 * TICK_MS

let topo: Topology | undefined
// two quiet streams on the node nobody stops, open for the whole file: the keep-alives
let quiet: WatchClient[] = []
let quietSince = 0
t.before(async () => {
  topo = await startTopology('lb3', { tickMs: TICK_MS, node: { args: restArgs() } })
  quiet = [await openSse(nodeBase(1), '/quiet'), await openWs(nodeBase(1), '/quiet')]
  quietSince = Date.now()
  for (const q of quiet) await q.next()
})
t.teardown(async () => {
  for (const q of quiet) q.close()
  await topo?.stop()
})

const T = (): Topology => {
  if (topo === undefined) throw new Error('topology not started')
  return topo
}
const nodeBase = (i: number): string => `http://127.0.0.1:${T().nodes[i].httpPort}`
const balancer = (): string => (T().haproxy?.url ?? '').replace(/^ws/, 'http').replace(/\/v1\/zk$/, '').replace(/\/$/, '')

async function zkDo (c: ZkClient, req: Request): Promise<void> {
  const r = await c.request(req as never)
  if (r.err !== Err.OK) throw new Error(`${OpCode[req.type]}: err ${r.err}`)
}
const create = (path: string): Request => ({ type: OpCode.create, path, data: null, dataLength: -1, acl: OPEN, flags: 0 }) as unknown as Request
const set = (path: string, v: string): Request => ({ type: OpCode.setData, path, data: Buffer.from(v), dataLength: v.length, version: -1 }) as unknown as Request

t.test('kill -9 of the node serving a stream: it ends, a new one opens elsewhere, nothing is delivered twice', async (t) => {
  const zk = await ZkClient.connect(T().address, { timeout: 30_000 })
  t.teardown(() => zk.close().catch(() => {}))
  const seen: string[] = []
  zk.on('watch', (ev) => { if (ev.type === EventType.NodeDataChanged) seen.push(ev.path) })
  await zkDo(zk, create('/fo'))
  await zkDo(zk, { type: OpCode.addWatch, path: '/fo', mode: 1 } as Request)

  const first = await openSse(nodeBase(0), '/fo')
  t.teardown(() => first.close())
  const ready1 = await first.next()
  await zkDo(zk, set('/fo', 'a'))
  await zkDo(zk, set('/fo', 'b'))
  t.same(await changes(first, 2), ['dataChanged /fo', 'dataChanged /fo'])

  await T().nodes[0].kill9()
  await first.ended
  t.pass('the stream ended with its node')

  // through the balancer, which has taken the dead node out
  await until('haproxy routes to a live node', async () => (await fetch(`${balancer()}/readyz`).then((r) => r.status, () => 0)) === 200, 10_000)
  const second = await openSse(balancer(), '/fo')
  t.teardown(() => second.close())
  const ready2 = await second.next()
  t.equal(ready2.event, 'ready')
  t.not(ready2.session, ready1.session, 'a new session')
  await zkDo(zk, set('/fo', 'c'))
  t.same(await changes(second, 1), ['dataChanged /fo'], 'the new stream sees the next write, and nothing from before it')
  await until('the ZooKeeper client saw its three events', async () => seen.length >= 3, 10_000)
  await zkDo(zk, set('/fo', 'd'))
  t.same(await changes(second, 1), ['dataChanged /fo'])
  await until('the ZooKeeper client saw the fourth', async () => seen.length >= 4, 10_000)
  t.same(seen, ['/fo', '/fo', '/fo', '/fo'], 'the ZooKeeper client got each event once across the failover')

  const live = nodeBase(1)
  await until('the dead node\'s stream session expired', async () => !(await sessions(live)).includes(ready1.session), TIMEOUT_MS * 3)
  // (closing it is checked in watch-node.test.ts: through haproxy the node
  // only learns of a client gone when the next ping cannot be written)
  t.ok((await sessions(live)).includes(ready2.session), 'the new stream\'s session lives on')
})

t.test('a node stopped past the session timeout: its stream ends with SESSIONEXPIRED', async (t) => {
  const node = T().nodes[2]
  const s = await openSse(nodeBase(2), '/')
  t.teardown(() => s.close())
  const ready = await s.next()
  node.signal('SIGSTOP')
  try {
    await until('another node expired the session', async () => !(await sessions(nodeBase(1))).includes(ready.session), TIMEOUT_MS * 3)
  } finally {
    node.signal('SIGCONT')
  }
  const err = await s.next(10_000)
  t.equal(err.event, 'error')
  t.equal(err.error, 'SESSIONEXPIRED')
  t.match(err.message, ready.session)
  await s.ended
  t.pass('then the stream ends')
})

t.test('a quiet stream is kept alive: ": ping" every 15 s on SSE, ping frames on the WebSocket', async (t) => {
  const wait = quietSince + PING_MS + 2000 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  const [sse, ws] = quiet
  t.ok(sse.comments.includes(': ping'), `SSE comments: ${JSON.stringify(sse.comments)}`)
  t.ok(ws.comments.includes('ws ping'), 'a WebSocket ping')
  const state = await Promise.all(quiet.map(async (q) => await Promise.race([
    q.ended.then(() => 'ended'),
    q.next(300).then((m) => JSON.stringify(m), (err: Error) => err.message.includes('ended') ? 'ended' : 'open, nothing more')
  ])))
  t.same(state, ['open, nothing more', 'open, nothing more'], 'no event was made up, and the streams are still open')
})
