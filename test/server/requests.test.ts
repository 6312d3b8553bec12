import t from 'tap'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { ZkClient, type Message } from '../../src/client'
import { digestId } from '../../src/server/auth'
import { encodeConnectRequest } from '../../src/protocol'
import { startHarness, whenClosed } from './harness'

// Request handling around the engine: ZooKeeper's answers to what the engine
// never sees (unknown opcodes, malformed frames, auth), closeSession, and the
// order in which events and replies leave.

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

t.test('requests', async (t) => {
  const h = await startHarness({ maxBuffer: 4096 })
  t.teardown(() => h.stop())

  t.test('an unimplemented opcode gets UNIMPLEMENTED (-6) for its xid, then the connection closes', async (t) => {
    const c = await h.connect()
    const gone = whenClosed(c)
    const r = await c.requestRaw(999, Buffer.alloc(0))
    t.equal(r.err, Err.UNIMPLEMENTED)
    t.equal(r.xid, 1)
    await gone
    t.ok(c.closed)
  })

  t.test('sasl without a SASL server: OK with a null token, the connection stays (ZooKeeper 3.8 with no JAAS Server section)', async (t) => {
    const c = await h.connect()
    const r = await c.request({ type: OpCode.sasl, token: Buffer.from('x') })
    t.equal(r.err, Err.OK)
    t.same(r.body, { token: null })
    t.equal(r.size, 20, 'header and a -1 buffer length')
    const after = await c.request({ type: OpCode.exists, path: '/', watch: false })
    t.equal(after.err, Err.OK)
    t.notOk(c.closed)
  })

  t.test('a frame longer than jute.maxbuffer closes that connection only', async (t) => {
    const victim = await h.connect()
    const bystander = await h.connect()
    const gone = whenClosed(victim)
    // a setData whose frame is past maxBuffer (4096 here)
    victim.request({ type: OpCode.setData, path: '/', data: Buffer.alloc(8192), dataLength: 8192, version: -1 }).catch(() => {})
    await gone
    t.ok(victim.closed, 'the oversize sender is disconnected')
    const r = await bystander.request({ type: OpCode.exists, path: '/', watch: false })
    t.equal(r.err, Err.OK, 'another connection is still served')
  })

  t.test('a negative frame length closes the connection', async (t) => {
    const raw = await h.rawSocket()
    raw.socket.write(encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 4000, lastZxidSeen: 0 }, true))
    raw.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]))
    await raw.closed
    t.pass('closed')
  })

  t.test('a malformed request body gets MARSHALLINGERROR and the connection stays', async (t) => {
    const c = await h.connect()
    // getData whose path length says 1000 bytes but none follow
    const r = await c.requestRaw(OpCode.getData, Buffer.from([0, 0, 3, 232]))
    t.equal(r.err, Err.MARSHALLINGERROR)
    t.equal((await c.ping()).err, 0, 'still connected')
  })

  t.test('a frame too short for a request header closes the connection', async (t) => {
    const raw = await h.rawSocket()
    raw.socket.write(encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 4000, lastZxidSeen: 0 }, true))
    raw.socket.write(Buffer.from([0, 0, 0, 2, 1, 2]))
    await raw.closed
    t.pass('closed')
  })

  t.test('digest auth adds digest:user:hash; ACLs then follow it', async (t) => {
    const owner = await h.connect()
    const a = await owner.auth('digest', Buffer.from('alice:secret'))
    t.equal(a.xid, -4)
    t.equal(a.err, 0)
    const who = await owner.request({ type: OpCode.whoAmI })
    // ZooKeeper 3.8's order (its identities are a hash set), checked against it
    t.same(who.body?.clientInfo, [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }])
    const acl = [{ perms: 31, id: { scheme: 'digest', id: digestId('alice:secret') } }]
    t.equal((await owner.request({ type: OpCode.create, path: '/secret', data: Buffer.from('x'), dataLength: 1, acl, flags: 0 })).err, Err.OK)
    t.equal((await owner.request({ type: OpCode.getData, path: '/secret', watch: false })).err, Err.OK)

    const stranger = await h.connect()
    t.equal((await stranger.request({ type: OpCode.getData, path: '/secret', watch: false })).err, Err.NOAUTH)
    await stranger.auth('digest', Buffer.from('alice:wrong'))
    t.equal((await stranger.request({ type: OpCode.getData, path: '/secret', watch: false })).err, Err.NOAUTH, 'a wrong password is a different identity')
  })

  t.test('the digest id is ZooKeeper\'s', async (t) => {
    // zkCli: addauth digest u:p, then getAcl shows this id (checked against ZooKeeper 3.8)
    t.equal(digestId('u:p'), 'u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=')
  })

  t.test('an unknown auth scheme gets AUTHFAILED, then the connection closes', async (t) => {
    const c = await h.connect()
    const gone = whenClosed(c)
    const r = await c.auth('kerberos-please', Buffer.from('x'))
    t.equal(r.err, Err.AUTHFAILED)
    t.equal(r.xid, -4)
    await gone
  })

  t.test('reconfig is disabled, as on a standalone ZooKeeper', async (t) => {
    const c = await h.connect()
    const r = await c.request({ type: OpCode.reconfig, joiningServers: null, leavingServers: null, newMembers: 'x', curConfigId: -1 })
    t.equal(r.err, Err.RECONFIGDISABLED)
    t.equal((await c.ping()).err, 0)
  })

  t.test('closeSession replies, deletes the ephemerals, notifies watchers, then closes the connection', async (t) => {
    const owner = await h.connect()
    const watcher = await h.connect()
    t.equal((await owner.request({ type: OpCode.create, path: '/bye', data: null, dataLength: 0, acl: OPEN, flags: 1 })).err, Err.OK)
    t.equal((await watcher.request({ type: OpCode.exists, path: '/bye', watch: true })).err, Err.OK)
    const event = new Promise((resolve) => watcher.once('watch', resolve))
    const gone = whenClosed(owner)
    const r = await owner.close()
    t.equal(r.err, Err.OK)
    await gone
    t.match(await event, { type: EventType.NodeDeleted, path: '/bye' })
    t.equal((await watcher.request({ type: OpCode.exists, path: '/bye', watch: false })).err, Err.NONODE)
    // the session is gone for good
    await t.rejects(ZkClient.connect(h.address, { sessionId: owner.sessionId, passwd: owner.passwd }))
  })

  t.test('a watch event produced by a request leaves before that request\'s reply', async (t) => {
    const c = await h.connect({ record: true })
    t.equal((await c.request({ type: OpCode.create, path: '/order', data: null, dataLength: 0, acl: OPEN, flags: 0 })).err, Err.OK)
    t.equal((await c.request({ type: OpCode.getData, path: '/order', watch: true })).err, Err.OK)
    c.messages.length = 0
    const set = await c.request({ type: OpCode.setData, path: '/order', data: Buffer.from('v'), dataLength: 1, version: -1 })
    t.equal(set.err, Err.OK)
    const kinds = c.messages.map((m: Message) => m.kind === 'watch' ? `watch:${m.type}:${m.path}` : `${m.kind}:${m.xid}`)
    t.same(kinds, [`watch:${EventType.NodeDataChanged}:/order`, `reply:${set.xid}`])
  })

  t.test('pipelined requests are answered in order', async (t) => {
    const c = await h.connect()
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      c.request({ type: OpCode.create, path: `/pipe-${i}`, data: null, dataLength: 0, acl: OPEN, flags: 0 })))
    const zxids = replies.map((r) => r.zxid)
    t.same(zxids, [...zxids].sort((a, b) => a - b), 'zxids increase with xids')
    t.ok(replies.every((r) => r.err === Err.OK))
  })
})
