// The raw client's own behaviour (not ZooKeeper's semantics: those are in
// test/conformance), checked against a real ZooKeeper.

import { once } from 'node:events'
import t from 'tap'
import { ConnectError, ConnectionLossError, ZkClient, type Message } from '../../src/client'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { freePort } from '../support/ports'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
let zk: ZooKeeperHandle | undefined
const addr = (): string => {
  if (zk === undefined) throw new Error('ZooKeeper did not start')
  return zk.address
}

t.before(async () => { zk = await startZooKeeper() })
t.teardown(async () => { await zk?.stop() })

t.test('connect failures reject with ConnectError saying why', async (t) => {
  const port = await freePort()
  await t.rejects(ZkClient.connect(`127.0.0.1:${port}`), { name: 'ConnectError', message: /ECONNREFUSED/ })
  await t.rejects(ZkClient.connect('127.0.0.1:notaport'), ConnectError, 'a malformed address')
  await t.rejects(ZkClient.connect('127.0.0.1:70000'), ConnectError)
})

t.test('replies are matched to requests in order, with raw error codes', async (t) => {
  const c = await ZkClient.connect(addr(), { record: true })
  t.teardown(() => c.destroy())
  // Pipelined: all sent before any reply arrives.
  const [a, b, d] = await Promise.all([
    c.request({ type: OpCode.create, path: '/zc', data: null, dataLength: 0, acl: OPEN, flags: 0 }),
    c.request({ type: OpCode.create, path: '/zc', data: null, dataLength: 0, acl: OPEN, flags: 0 }),
    c.request({ type: OpCode.exists, path: '/zc', watch: false })
  ])
  t.equal(a.err, Err.OK)
  t.equal(b.err, Err.NODEEXISTS, 'a ZooKeeper error resolves, it does not throw')
  t.equal(d.body?.stat?.czxid, a.zxid)
  t.same([a.xid, b.xid, d.xid], [1, 2, 3], 'xids are assigned in order')
  t.equal(c.lastZxid, d.zxid, 'lastZxid follows the reply headers')
  t.ok(b.zxid > a.zxid, '(a failed create is a transaction too)')
  t.same(c.messages.map((m: Message) => m.kind), ['reply', 'reply', 'reply'])
})

t.test('the message log interleaves events and replies in arrival order', async (t) => {
  const c = await ZkClient.connect(addr(), { record: true })
  t.teardown(() => c.destroy())
  const seen: Message[] = []
  c.on('message', (m) => seen.push(m))
  await c.request({ type: OpCode.create, path: '/zl', data: null, dataLength: 0, acl: OPEN, flags: 0 })
  await c.request({ type: OpCode.getData, path: '/zl', watch: true })
  const watched = once(c, 'watch')
  await c.request({ type: OpCode.setData, path: '/zl', data: Buffer.from('x'), dataLength: 1, version: -1 })
  const [ev] = await watched
  t.same(ev, { type: EventType.NodeDataChanged, state: 3, path: '/zl', zxid: -1 })
  t.same(seen.map((m) => m.kind), ['reply', 'reply', 'watch', 'reply'])
  t.same(c.messages, seen, 'the recorded log and the hook agree')
})

t.test('without `record`, nothing is kept', async (t) => {
  const c = await ZkClient.connect(addr())
  t.teardown(() => c.destroy())
  await c.request({ type: OpCode.exists, path: '/', watch: false })
  t.same(c.messages, [])
})

t.test('ping, auth and raw requests', async (t) => {
  const c = await ZkClient.connect(addr())
  t.teardown(() => c.destroy())
  const [p, a] = await Promise.all([c.ping(), c.auth('digest', Buffer.from('u:p'))])
  t.match(p, { xid: -2, err: 0 })
  t.match(a, { xid: -4, err: 0 })
  const raw = await c.requestRaw(OpCode.exists, Buffer.from([0, 0, 0, 1, 0x2f, 0]))
  t.equal(raw.err, Err.OK)
  t.equal(raw.raw?.length, 68, 'the undecoded Stat')
})

t.test('destroy drops the connection; pending and later calls reject with ConnectionLossError', async (t) => {
  const c = await ZkClient.connect(addr())
  const closed = once(c, 'close')
  const pending = c.request({ type: OpCode.exists, path: '/', watch: false })
  c.destroy()
  await t.rejects(pending, ConnectionLossError)
  await closed
  t.ok(c.closed)
  await t.rejects(c.request({ type: OpCode.sync, path: '/' }), ConnectionLossError)
  await t.rejects(c.ping(), { code: Err.CONNECTIONLOSS })
})

t.test('automatic pings keep an idle session alive', async (t) => {
  // Both sessions get the minimum timeout (4 s at tickTime 2000). Only the
  // one that pings must outlive the other's expiry, which the server reports
  // by closing that connection: no clock is read by the test.
  const pinging = await ZkClient.connect(addr(), { timeout: 4000, record: true })
  const silent = await ZkClient.connect(addr(), { timeout: 4000, autoPing: false })
  t.teardown(() => { pinging.destroy(); silent.destroy() })
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('the silent session was never expired')), 30_000)
    silent.once('close', () => { clearTimeout(guard); resolve() })
  })
  t.notOk(pinging.closed, 'the pinging session is still connected')
  t.ok(pinging.messages.some((m) => m.kind === 'ping'), 'it did ping')
  t.equal((await pinging.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
})

t.test('close ends the session and the connection', async (t) => {
  const c = await ZkClient.connect(addr())
  await c.request({ type: OpCode.create, path: '/zcl', data: null, dataLength: 0, acl: OPEN, flags: 1 })
  const r = await c.close()
  t.equal(r.err, Err.OK)
  t.ok(c.closed)
  await t.rejects(c.close(), ConnectionLossError, 'a second close has no connection to use')
  const d = await ZkClient.connect(addr())
  t.teardown(() => d.destroy())
  t.equal((await d.request({ type: OpCode.exists, path: '/zcl', watch: false })).err, Err.NONODE)
})
