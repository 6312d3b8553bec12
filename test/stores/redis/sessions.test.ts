// Sessions for stateless nodes: ids allocated in Redis, owners and attach,
// batched heartbeats, expiry from several nodes at once, detach, counters,
// and bad input to the new functions.
import t from 'tap'
import { CreateFlag, Err, EventType, OpCode } from '../../../src/engine'
import { functionName } from '../../../src/stores/redis'
import {

  byNumber, bytes, call, create, exists, getChildren, getData, listen, OPEN, remove, scanCounts, session, setData, T, world, type World,
} from './dist-helpers'

/** (session, heardAt) pairs, all heard at `at` */
const beats = (at: number, ids: number[]): Array<[number, number]> => ids.map((id) => [id, at])

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

t.test('session ids: allocated in Redis, unique across racing engines, from now × 2048, below 2^53', async (t) => {
  const ns = w.namespace()
  const e1 = await w.engine(t, ns)
  const e2 = await w.engine(t, ns)
  const per = 100
  const results = await Promise.all([e1, e2].flatMap((e) =>
    Array.from({ length: per }, () => e.createSession(30000, 'aa', T, 'conn'))))
  const ids = results.map((r) => r.id)
  t.equal(new Set(ids).size, 2 * per, 'all distinct')
  t.same([...ids].sort(byNumber), Array.from({ length: 2 * per }, (_, i) => T * 2048 + i), 'consecutive from now × 2048')
  t.ok(ids.every((id) => Number.isSafeInteger(id)), 'exact integers (< 2^53)')
  t.ok(results.every((r) => r.outcome.err === Err.OK && r.outcome.events.length === 0))
  t.equal(await e1.getZxid(), 2 * per, 'one zxid per createSession txn')
  t.equal((await e1.createSession(30000, 'aa', T - 60_000, 'conn')).id, T * 2048 + 2 * per, 'a clock that went back: still above the last')
  const later = await e2.createSession(30000, 'aa', T + 1000, 'conn-x')
  t.equal(later.id, (T + 1000) * 2048, 'a later clock jumps ahead')
  t.equal(await w.raw.hget(`${e1.key}:s:${later.id}`, 'o'), 'conn-x', 'the owner is recorded')
  t.equal(await w.raw.zscore(`${e1.key}:deadlines`, String(later.id)), String(T + 1000 + 30000), 'deadline = now + timeout')
  t.equal(await e1.checkSession(later.id, 'aa'), true)
  // an id taken through the single-caller API is never handed out again
  await e1.createSessionWithId((T + 2000) * 2048, 30000, 'bb', T)
  t.equal((await e1.createSession(30000, 'aa', T + 2000, 'conn')).id, (T + 2000) * 2048 + 1)
})

t.test('attachSession: password checked, owner moved, deadline refreshed, watches dropped only if asked', async (t) => {
  const e = await w.engine(t)
  const notices = await listen(t, e)
  const a = await session(e, 'conn-1', 20000)
  const b = await session(e, 'conn-b')
  t.same(await e.attachSession(a.id, 'ab', T, 'conn-2', false), { ok: false, timeout: 0 }, 'wrong password')
  t.same(await e.attachSession(a.id + 999, 'aa', T, 'conn-2', false), { ok: false, timeout: 0 }, 'no such session')
  t.equal(await w.raw.hget(`${e.key}:s:${a.id}`, 'o'), 'conn-1', 'a refused attach changes nothing')

  await call(e, a, create('/at'))
  await call(e, a, getData('/at', true))
  await call(e, b, setData('/at', 'one'))
  await call(e, a, getData('/at', true))
  t.same(await e.attachSession(a.id, 'aa', T + 5000, 'conn-2', false), { ok: true, timeout: 20000 })
  t.equal(await w.raw.hget(`${e.key}:s:${a.id}`, 'o'), 'conn-2')
  t.equal(await w.raw.zscore(`${e.key}:deadlines`, String(a.id)), String(T + 5000 + 20000))
  t.same(await notices.next((n) => n.kind === 'moved', 'moved'), { kind: 'moved', session: a.id, owner: 'conn-2' })
  t.same(await e.pollEvents(a.id, 0, 0), [{ seq: 1, type: EventType.NodeDataChanged, path: '/at' }], 'a resume keeps the undelivered events')
  await call(e, b, setData('/at', 'two'))
  t.equal((await e.pollEvents(a.id, 1, 0)).length, 1, '...and the watches')

  await call(e, a, getData('/at', true))
  t.same(await e.attachSession(a.id, 'aa', T + 6000, 'conn-3', true), { ok: true, timeout: 20000 })
  t.equal(await w.raw.exists(`${e.key}:q:${a.id}`), 0, 'a new connection drops the undelivered events')
  t.equal(await w.raw.exists(`${e.key}:sw:${a.id}`), 0, '...and the watches')
  await call(e, b, setData('/at', 'three'))
  t.same(await e.pollEvents(a.id, 0, 0), [])
  await call(e, a, getData('/at', true))
  await call(e, b, setData('/at', 'four'))
  t.same((await e.pollEvents(a.id, 0, 0)).map((x) => x.seq), [3], 'seqs go on from where they were')
})

t.test('touch batches heartbeats; expire closes the rest exactly once, from two engines at once', async (t) => {
  const ns = w.namespace()
  const e1 = await w.engine(t, ns)
  const e2 = await w.engine(t, ns)
  const notices = await listen(t, e1)
  const watcher = await session(e1, 'conn-w', 60000)
  await call(e1, watcher, create('/eph'))
  const sessions = []
  for (let i = 0; i < 10; i++) {
    const s = await session(i % 2 === 0 ? e1 : e2, `conn-${i}`, 10000)
    await call(e1, s, create(`/eph/n${i}`, CreateFlag.EPHEMERAL))
    await call(e1, watcher, exists(`/eph/n${i}`, true))
    sessions.push(s)
  }
  const kept = sessions.slice(0, 5).map((s) => s.id)
  const dropped = sessions.slice(5).map((s) => s.id)
  t.same(await e1.touch(beats(T + 8000, [...kept, 4242])), [4242], 'one call; the unknown id is reported')
  for (const id of kept) t.equal(await w.raw.zscore(`${e1.key}:deadlines`, String(id)), String(T + 18000))
  t.equal(await w.raw.zscore(`${e1.key}:deadlines`, '4242'), null, 'touch creates no deadline')
  // each session's deadline follows its own last heartbeat, not the batch's time
  t.same(await e1.touch([[kept[0], T + 8000], [kept[1], T + 8500]]), [])
  t.equal(await w.raw.zscore(`${e1.key}:deadlines`, String(kept[1])), String(T + 18500), 'heard at + timeout')
  t.equal(await w.raw.zscore(`${e1.key}:deadlines`, String(kept[0])), String(T + 18000))
  // a batch that reaches Redis late (its node was frozen or cut off) never pulls a deadline back
  t.same(await e1.touch([[kept[1], T + 7000]]), [])
  t.equal(await w.raw.zscore(`${e1.key}:deadlines`, String(kept[1])), String(T + 18500), 'an older heartbeat leaves the later deadline')
  t.same(await e1.touch([]), [], 'nothing to touch: no call')

  t.same((await e1.expire(T + 9999)).expired, [], 'nobody is due yet')
  const [r1, r2] = await Promise.all([e1.expire(T + 12000), e2.expire(T + 12000)])
  const all = [...r1.expired, ...r2.expired]
  t.same([...all].sort(byNumber), [...dropped].sort(byNumber), 'the untouched ones expired')
  t.equal(new Set(all).size, all.length, 'each exactly once')
  for (let i = 0; i < 10; i++) t.equal((await e1.getNode(`/eph/n${i}`)) === undefined, i >= 5, `ephemeral n${i}`)
  const events = await e1.pollEvents(watcher.id, 0, 0)
  t.same(events.map((x) => [x.type, x.path]).sort(), dropped.map((_, i) => [EventType.NodeDeleted, `/eph/n${i + 5}`]).sort(),
    'their ephemerals\' watcher has the events queued')
  t.same(events.map((x) => x.seq), [1, 2, 3, 4, 5])
  await notices.until(() => notices.all.filter((n) => n.kind === 'expired').flatMap((n) => n.kind === 'expired' ? n.sessions : []).length === 5,
    'expired notices for the five')
  t.ok(notices.all.some((n) => n.kind === 'events' && n.sessions.includes(watcher.id)), 'and an events notice for the watcher')
  t.same(await e1.touch(beats(T + 12000, dropped)), dropped, 'touching an expired session reports it gone')

  t.same((await e2.expire(T + 17999)).expired, [])
  t.same((await e2.expire(T + 18000)).expired.sort(byNumber), kept.filter((id) => id !== kept[1]).sort(byNumber))
  t.same((await e2.expire(T + 18500)).expired, [kept[1]])
  t.same(await e1.stats(), { zxid: await e1.getZxid(), nodeCount: 5, sessionCount: 1, watchCount: 0, ...await scanCounts(w.raw, e1.key) })
  t.equal((await e1.stats()).ephemeralCount, 0, 'the expired sessions\' ephemerals are no longer counted')
})

t.test('ephemerals and data size are counted as writes happen, equal to a full scan', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  const b = await session(e, 'conn-b')
  const check = async (what: string): Promise<void> => {
    const s = await e.stats()
    t.same({ ephemeralCount: s.ephemeralCount, approximateDataSize: s.approximateDataSize }, await scanCounts(w.raw, e.key), what)
  }
  await check('the initial tree')
  const base = (await e.stats()).approximateDataSize
  t.ok(base > 0, 'the initial tree has paths')
  await call(e, a, create('/c', 0, bytes('12345')))
  t.equal((await e.stats()).approximateDataSize, base + '/c'.length + 5, 'path + data')
  await call(e, a, create('/c/e1', CreateFlag.EPHEMERAL, bytes('ab')))
  await call(e, b, create('/c/e2', CreateFlag.EPHEMERAL, null))
  await call(e, a, create('/c/s', CreateFlag.EPHEMERAL_SEQUENTIAL, bytes('')))
  t.equal((await e.stats()).ephemeralCount, 3)
  await check('after creates')
  await call(e, a, setData('/c', 'a much longer value than before'))
  await call(e, a, setData('/c/e1', ''))
  await check('after setData that grows and shrinks')
  await e.exec(a.ctx, { type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/m', data: bytes('xyz'), dataLength: 3, acl: OPEN, flags: 0 },
    { type: OpCode.setData, path: '/m', data: bytes('v'), dataLength: 1, version: 0 },
    { type: OpCode.delete, path: '/c/e2', version: -1 },
  ] }, a.xid++, 0, 0)
  t.equal((await e.stats()).ephemeralCount, 2, 'an ephemeral deleted in a multi')
  await check('after a multi that creates, rewrites and deletes')
  // a failed multi changes nothing
  await e.exec(a.ctx, { type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/m2', data: bytes('xyz'), dataLength: 3, acl: OPEN, flags: 0 },
    { type: OpCode.delete, path: '/missing', version: -1 },
  ] }, a.xid++, 0, 0)
  await check('after a failed multi')
  await call(e, b, remove('/m'))
  await e.closeSession(a.ctx, a.xid++, 0, 0)
  t.equal((await e.stats()).ephemeralCount, 0, 'the closed session\'s ephemerals went')
  await check('after a delete and a closeSession')
  await call(e, b, remove('/c'))
  t.equal((await e.stats()).approximateDataSize, base, 'back to the initial tree')
})

t.test('touch handles thousands of sessions in one call', async (t) => {
  const e = await w.engine(t)
  const ids: number[] = []
  const n = 2500
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => e.createSession(5000, 'aa', T, 'c')))
    for (const s of batch) ids.push(s.id)
  }
  t.same(await e.touch(beats(T + 60000, ids)), [])
  t.equal(await w.raw.zcount(`${e.key}:deadlines`, T + 65000, T + 65000), n, 'every deadline moved')
  t.same((await e.expire(T + 64999)).expired, [])
  t.equal((await e.expire(T + 65000)).expired.length, n, 'expired in batches, all of them')
  t.equal((await e.stats()).sessionCount, 0)
})

t.test('detach drops watches only for the owner', async (t) => {
  const e = await w.engine(t)
  const a = await session(e, 'conn-1')
  const b = await session(e, 'conn-b')
  await call(e, a, create('/d'))
  await call(e, a, getData('/d', true))
  await call(e, a, getChildren('/', true))
  t.equal((await e.stats()).watchCount, 2)
  await e.detach(a.id, 'conn-2')
  t.equal(await w.raw.hget(`${e.key}:s:${a.id}`, 'o'), 'conn-1', 'not the owner: nothing changes')
  t.equal(await w.raw.scard(`${e.key}:sw:${a.id}`), 2)
  await call(e, b, setData('/d', 'x'))
  t.equal((await e.pollEvents(a.id, 0, 0)).length, 1, 'the watch still fired')

  await e.detach(a.id, 'conn-1')
  t.equal(await w.raw.hget(`${e.key}:s:${a.id}`, 'o'), null, 'the owner is cleared')
  t.equal(await w.raw.exists(`${e.key}:sw:${a.id}`), 0, 'its watches are gone')
  t.equal(await w.raw.exists(`${e.key}:q:${a.id}`), 0, 'and its undelivered events (they were that connection\'s)')
  t.equal((await e.stats()).watchCount, 0)
  await call(e, b, create('/d2'))
  t.same(await e.pollEvents(a.id, 0, 0), [], 'the child watch no longer fires')
  t.equal(await e.checkSession(a.id, 'aa'), true, 'the session lives on')
  t.equal((await e.getNode('/d'))!.version, 1)
  t.same(await e.attachSession(a.id, 'aa', T, 'conn-3', true), { ok: true, timeout: 30000 }, 'and can be resumed')
  await e.detach(a.id + 1, 'conn-1')
  t.pass('detach of an unknown session is a no-op')
})

t.test('stats: the kept counters match the keys', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  const b = await session(e)
  await call(e, a, create('/s'))
  for (let i = 0; i < 20; i++) await call(e, i % 2 ? a : b, create(`/s/n${i}`, i % 3 === 0 ? CreateFlag.EPHEMERAL : 0))
  for (let i = 0; i < 20; i += 4) await call(e, a, remove(`/s/n${i}`))
  for (let i = 0; i < 20; i++) await call(e, b, getData(`/s/n${i}`, true))
  await call(e, a, getChildren('/s', true))
  await call(e, b, getChildren('/s', true))
  await call(e, a, exists('/s/none', true))
  await call(e, b, exists('/s/none', true))
  await call(e, a, setData('/s/n1', 'y'))
  await call(e, a, remove('/s/n2'))
  // a failing multi writes nothing
  await call(e, a, { type: 14, ops: [create('/s/m') as never, remove('/s/missing') as never] })
  await e.closeSession(b.ctx, b.xid++, 0, 0)
  const keys = await w.raw.keys(`${e.key}:*`)
  const nodes = keys.filter((k) => k.startsWith(`${e.key}:n:`)).length
  let watches = 0
  for (const k of keys.filter((k) => k.startsWith(`${e.key}:w:`))) watches += await w.raw.scard(k)
  const st = await e.stats()
  t.same(st, { zxid: await e.getZxid(), nodeCount: nodes, sessionCount: 1, watchCount: watches, ...await scanCounts(w.raw, e.key) })
  t.ok(nodes > 4 && watches > 0, `a non-trivial state (${nodes} znodes, ${watches} watches)`)
})

t.test('bad input to the new functions: clear errors, nothing written', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  const before = { zxid: await e.getZxid(), sid: await w.raw.get(`${e.key}:sid`), deadline: await w.raw.zscore(`${e.key}:deadlines`, String(a.id)) }
  const ctx = { session: a.id, now: T, auth: [] }
  await t.rejects(e.exec(ctx, create('/bad'), 1.5, 0, 0), /xid is not an integer/)
  await t.rejects(e.exec(ctx, create('/bad'), Number.NaN, 0, 0), /xid is not an integer/)
  await t.rejects(w.raw.call('FCALL', functionName('rk_request', e.version), 1, e.key, 'garbage', 'x', 'one', '0', '0', '0'), /context is not a MessagePack map/)
  await t.rejects(w.raw.call('FCALL', functionName('rk_poll', e.version), 1, e.key, String(a.id), 'one', '0'), /deliveredSeq is not a number: one/)
  await t.rejects(e.exec(ctx, create('/bad'), 1, 2 ** 60, 0), /deliveredSeq is not an integer below 2\^53/)
  await t.rejects(e.createSession(0, 'aa', T, 'c'), /timeout must be positive/)
  await t.rejects(e.createSession(1000, 'aa', 2 ** 45, 'c'), /session ids exhausted/)
  await t.rejects(e.touch(beats(T + 1000, [a.id, 0.5])), /session id is not an integer/)
  await t.rejects(w.raw.call('FCALL', functionName('rk_session_attach', e.version), 1, e.key, String(a.id), 'aa'), /missing now/)
  await t.rejects(w.raw.call('FCALL', functionName('rk_reap', e.version), 1, e.key, String(T), '0'), /limit must be positive/)
  t.equal(await e.getNode('/bad'), undefined)
  t.same({ zxid: await e.getZxid(), sid: await w.raw.get(`${e.key}:sid`), deadline: await w.raw.zscore(`${e.key}:deadlines`, String(a.id)) }, before)
})
