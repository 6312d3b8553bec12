// Fencing: a node that was frozen (SIGSTOP, a GC pause) or cut off from
// Redis may deliver a request long after the sidecar re-sent it through
// another node and got its answer. Replay records keep only the session's
// last outcomes, so the late copy must be refused by who sends it: the
// connection that no longer holds the session gets SESSIONMOVED and nothing
// runs. Found by the fault runs (test/faults, node-frozen): a write applied
// a second time, 15 s after it was acknowledged.

import t from 'tap'
import { Err } from '../../../src/engine'
import { functionName } from '../../../src/stores/redis'
import { create, getData, session, setData, T, world, type World } from './dist-helpers'

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

t.test('a request from the connection that lost the session runs nothing', async (t) => {
  const e = await w.engine(t)
  const a = await session(e, 'conn-A')
  t.equal((await e.exec(a.ctx, create('/k'), 1, 0, 0, 'conn-A')).outcome.err, Err.OK, 'the owner is served')
  // the sidecar resumes the session through another node (connection B)
  t.same(await e.attachSession(a.id, 'aa', T, 'conn-B', false), { ok: true, timeout: 30000 })
  const zxid = await e.getZxid()
  const late = await e.exec(a.ctx, setData('/k', 'late'), 2, 0, 0, 'conn-A')
  t.equal(late.outcome.err, Err.SESSIONMOVED, 'the old connection is answered SESSIONMOVED')
  t.same(late.events, [], 'and gets none of the session\'s events')
  t.equal(await e.getZxid(), zxid, 'no zxid consumed')
  t.equal((await e.getNode('/k'))!.version, 0, 'the write did not run')
  t.equal((await e.exec(a.ctx, getData('/k', true), 3, 0, 0, 'conn-A')).outcome.err, Err.SESSIONMOVED, 'a read (with a watch) is refused too')
  t.equal((await e.closeSession(a.ctx, 4, 0, 0, 'conn-A')).outcome.err, Err.SESSIONMOVED, 'so is a late closeSession')
  t.equal(await w.raw.exists(`${e.key}:s:${a.id}`), 1, 'the session lives on')

  t.equal((await e.exec(a.ctx, setData('/k', 'now'), 5, 0, 0, 'conn-B')).outcome.err, Err.OK, 'the new owner is served')
  t.equal((await e.exec(a.ctx, setData('/k', 'rest'), 6, 0, 0)).outcome.err, Err.OK, 'a caller naming no owner (the REST gateway) is not fenced')
  t.equal((await e.closeSession(a.ctx, 7, 0, 0, 'conn-B')).outcome.err, Err.OK, 'the owner closes it')
  t.equal((await e.exec(a.ctx, setData('/k', 'gone'), 8, 0, 0, 'conn-A')).outcome.err, Err.SESSIONEXPIRED, 'a session that is gone is still SESSIONEXPIRED')
})

t.test('a late attach (old now, from a node cut off meanwhile) does not pull the deadline back', async (t) => {
  const e = await w.engine(t)
  const a = await session(e, 'conn-A', 10000)
  // the sidecar's RESUME through node B, at T + 5 s
  t.same(await e.attachSession(a.id, 'aa', T + 5000, 'conn-B', false), { ok: true, timeout: 10000 })
  t.equal(await w.raw.zscore(`${e.key}:deadlines`, String(a.id)), String(T + 15000))
  // node C had sent a RESUME at T + 1 s that was stuck in its socket
  await e.attachSession(a.id, 'aa', T + 1000, 'conn-C', false)
  t.equal(await w.raw.zscore(`${e.key}:deadlines`, String(a.id)), String(T + 15000), 'the deadline stays at B\'s')
  t.same((await e.expire(T + 12000)).expired, [], 'so an expiry round in between closes nothing')
})

// Found by the soak (Redis kill -9 under load): a sidecar re-attaching while
// Redis is away tries node after node; the attach of a try it gave up on
// waits in that node's ioredis offline queue and runs once Redis is back,
// after the try that succeeded. It must not take the session back.
t.test('a late attach of an earlier try of the same link is refused; another link still takes over', async (t) => {
  const e = await w.engine(t)
  const a = await session(e, 'conn-A', 10000)
  const link = 'ab'.repeat(16)
  t.same(await e.attachSession(a.id, 'aa', T + 3000, 'conn-C', false, { link, attempt: 3 }), { ok: true, timeout: 10000 }, 'try 3 attaches')
  t.same(await e.attachSession(a.id, 'aa', T + 3100, 'conn-B', false, { link, attempt: 2 }), { ok: false, timeout: 0, superseded: true }, 'try 2, run late, is superseded')
  t.equal(await w.raw.hget(`${e.key}:s:${a.id}`, 'o'), 'conn-C', 'the owner is still try 3\'s connection')
  t.equal((await e.exec(a.ctx, create('/k'), 1, 0, 0, 'conn-C')).outcome.err, Err.OK, 'which is served')
  t.equal((await e.exec(a.ctx, create('/k2'), 2, 0, 0, 'conn-B')).outcome.err, Err.SESSIONMOVED, 'the superseded one is not')
  t.same(await e.attachSession(a.id, 'aa', T + 3200, 'conn-C2', false, { link, attempt: 3 }), { ok: true, timeout: 10000 }, 'the same try again (ioredis re-sends a call whose reply was lost) is accepted')
  t.same(await e.attachSession(a.id, 'aa', T + 4000, 'conn-D', false, { link, attempt: 4 }), { ok: true, timeout: 10000 }, 'a later try attaches')
  t.same(await e.attachSession(a.id, 'aa', T + 5000, 'conn-E', true, { link: 'cd'.repeat(16), attempt: 1 }), { ok: true, timeout: 10000 }, 'a new client connection (another link) takes over whatever its number')
  t.same(await e.attachSession(a.id, 'aa', T + 6000, 'conn-F', false), { ok: true, timeout: 10000 }, 'an attach naming no try (an older sidecar) is not fenced')
  t.same(await e.attachSession(a.id, 'ab', T + 6000, 'conn-G', false, { link, attempt: 9 }), { ok: false, timeout: 0 }, 'a wrong password is still refused as before')
  await t.rejects(w.raw.call('FCALL', functionName('rk_session_attach', e.version), 1, e.key, String(a.id), 'aa', String(T), 'conn-H', '0', link), /attempt/, 'a link without its attempt number is refused')
})
