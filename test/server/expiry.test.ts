import t from 'tap'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { SessionExpiredError, ZkClient } from '../../src/client'
import { startHarness, whenClosed } from './harness'

// Session expiry on the server's tick: a session whose client goes quiet for
// longer than its timeout is closed, its ephemerals deleted and their
// watchers told; a client that comes back in time resumes its session.

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

t.setTimeout(60_000)

t.test('session expiry', async (t) => {
  // tick 100 ms: timeouts clamp into [200, 2000]
  const h = await startHarness({ tickMs: 100 })
  t.teardown(() => h.stop())

  t.test('a dropped session expires: ephemerals deleted, a watcher on another session notified', async (t) => {
    const watcher = await h.connect({ timeout: 2000 })
    const owner = await h.connect({ timeout: 300, autoPing: false })
    t.equal((await owner.request({ type: OpCode.create, path: '/eph', data: null, dataLength: 0, acl: OPEN, flags: 1 })).err, Err.OK)
    t.equal((await watcher.request({ type: OpCode.exists, path: '/eph', watch: true })).err, Err.OK)
    const event = new Promise((resolve) => watcher.once('watch', resolve))
    owner.destroy()
    t.match(await event, { type: EventType.NodeDeleted, path: '/eph' })
    t.equal((await watcher.request({ type: OpCode.exists, path: '/eph', watch: false })).err, Err.NONODE)
    await t.rejects(ZkClient.connect(h.address, { sessionId: owner.sessionId, passwd: owner.passwd }), SessionExpiredError,
      'resuming an expired session is refused as expired')
  })

  t.test('a connection still holding an expired session is closed', async (t) => {
    const silent = await h.connect({ timeout: 300, autoPing: false })
    const reason = await whenClosed(silent)
    t.match(reason, /closed/)
    await t.rejects(ZkClient.connect(h.address, { sessionId: silent.sessionId, passwd: silent.passwd }), SessionExpiredError)
  })

  t.test('reconnecting within the timeout resumes the session with its ephemerals', async (t) => {
    const a = await h.connect({ timeout: 2000 })
    t.equal((await a.request({ type: OpCode.create, path: '/kept', data: null, dataLength: 0, acl: OPEN, flags: 1 })).err, Err.OK)
    a.destroy()
    const b = await h.connect({ sessionId: a.sessionId, passwd: a.passwd, timeout: 2000 })
    t.equal(b.sessionId, a.sessionId)
    const r = await b.request({ type: OpCode.exists, path: '/kept', watch: false })
    t.equal(r.err, Err.OK)
    t.equal(r.body?.stat?.ephemeralOwner, a.sessionId)
  })

  t.test('a pinging client is never expired', async (t) => {
    const c = await h.connect({ timeout: 300 })
    // many timeouts' worth of ticks; the client's pings keep it alive
    await new Promise((resolve) => setTimeout(resolve, 1500))
    t.notOk(c.closed)
    t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  })
})
