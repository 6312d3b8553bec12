// A sidecar re-attaching while Redis is out of reach tries node after node.
// The attach of a try it gave up on is not gone: it waits (in that node's
// ioredis queue, or here in a link to Redis that holds its bytes) and runs
// once Redis is reachable again, after the try that succeeded. Found by the
// soak: after a Redis kill -9, such late attaches took 4 of 16 sessions for
// WebSockets nobody used, closed the live ones as "moved", and the sessions
// expired under working clients. The sidecar numbers its tries (the origin's
// attempt, docs/protocol.md) and an older try than one already attached is
// refused. Deterministic: node A's link to Redis is held (TcpProxy.block)
// while its try is sent, and released after node B served the later try.

import { randomBytes } from 'node:crypto'
import t from 'tap'
import { OpCode } from '../../src/engine/codes'
import { encodeConnect, encodeResume, type ClientOrigin } from '../../src/node/messages'
import { encodeConnectRequest } from '../../src/protocol'
import { startTcpProxy } from '../faults/tcp-proxy'
import { ApiClient, OPEN_ACL, type NodeMessage } from '../node/ws-client'
import { startNode, startRedis } from '../support/topology'

const WAIT = 30_000

t.test('a late attach of a try the sidecar gave up on does not take the session from the later one', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const proxyA = await startTcpProxy(redis.port)
  t.teardown(() => proxyA.close())
  const [nodeA, nodeB] = await Promise.all([startNode(`redis://127.0.0.1:${proxyA.port}`), startNode(redis.url)])
  t.teardown(async () => { await Promise.all([nodeA.stop(), nodeB.stop()]) })
  const link = randomBytes(16)
  const origin = (attempt: number): ClientOrigin => ({ link, address: '127.0.0.1', port: 40000, attempt })
  const connectFrame = encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30_000, sessionId: 0, passwd: Buffer.alloc(16) }, true)
  const clients: ApiClient[] = []
  const open = async (port: number): Promise<ApiClient> => {
    const c = await ApiClient.open(port)
    clients.push(c)
    return c
  }
  t.teardown(() => { for (const c of clients) c.drop() })

  // try 1: the session is made through node B
  const first = await open(nodeB.httpPort)
  first.sendRaw(encodeConnect(connectFrame, origin(1)))
  const made = await first.next(WAIT)
  if (made.kind !== 'connected') throw new Error(`expected CONNECTED, got ${made.kind}`)
  const session = { id: made.sessionId, passwd: made.passwd }
  first.drop()

  // try 2, through node A, whose link to Redis holds every byte: its attach
  // times out there and node A drops the WebSocket, as for a Redis away
  proxyA.block()
  const stale = await open(nodeA.httpPort)
  stale.sendRaw(encodeResume(session.id, session.passwd, 0, origin(2)))
  await stale.waitClosed(WAIT)
  t.pass('node A gave try 2 up (its attach is still waiting in the link)')

  // try 3, through node B: attached, and watching /w
  const live = await open(nodeB.httpPort)
  live.sendRaw(encodeResume(session.id, session.passwd, 0, origin(3)))
  t.equal((await live.next(WAIT)).kind, 'resumed', 'try 3 re-attached through node B')
  const xid = live.send({ type: OpCode.exists, path: '/w', watch: true })
  t.equal((await live.reply(xid, WAIT)).err, -101, 'and set a watch on /w (NONODE)')

  // the link is released: try 2's attach runs now, after try 3's. Then a
  // create through node A (the same Redis connection, so after that attach)
  // fires the watch; its notice follows the attach's 'moved' notice, if any.
  proxyA.unblock()
  const other = await open(nodeA.httpPort)
  other.sendRaw(encodeConnect(connectFrame))
  t.equal((await other.next(WAIT)).kind, 'connected', 'node A serves again')
  const c = other.send({ type: OpCode.create, path: '/w', data: Buffer.from('x'), dataLength: 1, acl: OPEN_ACL, flags: 0 })
  t.equal((await other.reply(c, WAIT)).err, 0, 'created /w through node A')

  let m: NodeMessage = await live.next(WAIT)
  t.same(m.kind === 'close' ? { kind: 'close', reason: m.reason } : { kind: m.kind }, { kind: 'event' }, 'the live connection gets its event, not a CLOSE ("session moved")')
  const get = live.send({ type: OpCode.getData, path: '/w', watch: false })
  m = await live.reply(get, WAIT)
  t.equal(m.err, 0, 'and is still served')
})
