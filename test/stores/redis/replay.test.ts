// Idempotent replays: a sidecar that lost its node re-sends, through another
// node, every request it has no reply for. A write that already ran must be
// answered with its recorded outcome and not run again; reads run again.
import t from 'tap'
import { CreateFlag, Err, EventType, OpCode, type Request, type SubRequest } from '../../../src/engine'
import { call, create, getData, remove, session, setData, world, type World } from './dist-helpers'

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

t.test('a re-sent write gets its recorded outcome and is not applied twice', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  const b = await session(e)
  await call(e, a, create('/q'))
  const seq = create('/q/s-', CreateFlag.PERSISTENT_SEQUENTIAL)
  const first = await e.exec(a.ctx, seq, 10, 0, 0)
  t.equal(first.outcome.body?.path, '/q/s-0000000000')
  const zxid = await e.getZxid()
  const again = await e.exec(a.ctx, seq, 10, 0, 0)
  t.same(again.outcome, first.outcome, 'the same name and zxid')
  t.equal(await e.getZxid(), zxid, 'no zxid consumed: nothing ran')
  t.equal((await e.getNode('/q'))!.numChildren, 1, 'one node')
  t.equal((await e.exec(a.ctx, seq, 11, 0, 0)).outcome.body?.path, '/q/s-0000000001', 'a new xid runs')
  t.equal((await e.exec(b.ctx, seq, 10, 0, 0)).outcome.body?.path, '/q/s-0000000002', "records are per session: b's xid 10 runs")

  // a versioned write replays its success even though running it again would now fail
  const set = await e.exec(a.ctx, setData('/q', 'v1', 0), 12, 0, 0)
  t.equal(set.outcome.err, Err.OK)
  t.same(await e.exec(a.ctx, setData('/q', 'v1', 0), 12, 0, 0), set, 'not BADVERSION')
  t.equal((await e.getNode('/q'))!.version, 1)
  // ...and a failure replays as the same failure
  const bad = await e.exec(a.ctx, remove('/nope'), 13, 0, 0)
  t.equal(bad.outcome.err, Err.NONODE)
  await call(e, a, create('/nope'))
  t.same((await e.exec(a.ctx, remove('/nope'), 13, 0, 0)).outcome, bad.outcome)
  t.not(await e.getNode('/nope'), undefined, 'the later create stands')

  // a replay fires no watch twice
  await call(e, b, getData('/q', true))
  await e.exec(a.ctx, setData('/q', 'v2'), 20, 0, 0)
  await call(e, b, getData('/q', true))
  await e.exec(a.ctx, setData('/q', 'v2'), 20, 0, 0)
  t.same((await e.pollEvents(b.id, 0, 0)).map((x) => x.type), [EventType.NodeDataChanged], 'one event, not two')

  // multi: recorded whole
  const multi: Request = { type: OpCode.multi, ops: [seq as SubRequest, seq as SubRequest] }
  const m1 = await e.exec(a.ctx, multi, 21, 0, 0)
  t.same(await e.exec(a.ctx, multi, 21, 0, 0), m1)
  t.equal((await e.getNode('/q'))!.numChildren, 5)
})

t.test('reads are not recorded: a re-sent read runs again', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  await call(e, a, create('/r'))
  t.same((await e.exec(a.ctx, getData('/r'), 5, 0, 0)).outcome.body?.data, Buffer.from('x'))
  await call(e, a, setData('/r', 'new'))
  t.same((await e.exec(a.ctx, getData('/r'), 5, 0, 0)).outcome.body?.data, Buffer.from('new'))
  const children = { type: OpCode.getChildren2, path: '/', watch: false } as const
  t.equal((await e.exec(a.ctx, children, 6, 0, 0)).outcome.body?.children?.length, 2)
  await call(e, a, create('/r2'))
  t.equal((await e.exec(a.ctx, children, 6, 0, 0)).outcome.body?.children?.length, 3)
  t.equal(await w.raw.zcard(`${e.key}:r:${a.id}`), 3, 'only the three writes are recorded')
})

t.test('the record window keeps the last 64 per session (trimmed every 16th xid); records go with the session', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  await call(e, a, create('/win'))
  for (let i = 0; i < 100; i++) await call(e, a, setData('/win', String(i)))
  const key = `${e.key}:r:${a.id}`
  // xids 1..101; the last trim ran at xid 96 and kept 33..96
  const xids = (await w.raw.zrange(key, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number)
  t.same(xids, Array.from({ length: 69 }, (_, i) => 33 + i), 'the newest xids: 64 at the last trim and the 5 since')
  while (a.xid <= 112) await call(e, a, setData('/win', 'trim'))
  const after = (await w.raw.zrange(key, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number)
  t.same(after, Array.from({ length: 64 }, (_, i) => 49 + i), 'xid 112 trims back to the newest 64')
  // outside the window a re-sent write runs again: that is the window's meaning
  t.equal((await e.exec(a.ctx, setData('/win', 'old', 2), 3, 0, 0)).outcome.err, Err.BADVERSION)

  const close = await e.closeSession(a.ctx, 500, 0, 0)
  t.equal(close.outcome.err, Err.OK)
  t.equal(await w.raw.exists(key), 0, 'records deleted with the session')
  t.same(await e.closeSession(a.ctx, 500, 0, 0), close, 'a re-sent closeSession gets its recorded OK')
  t.same(await e.exec(a.ctx, { type: OpCode.closeSession }, 500, 0, 0), close, 'also through exec')
  const other = await e.closeSession(a.ctx, 501, 0, 0)
  t.equal(other.outcome.err, Err.SESSIONEXPIRED, 'another xid: the session is gone')
  t.equal((await e.exec(a.ctx, setData('/win', 'late'), 502, 0, 0)).outcome.err, Err.SESSIONEXPIRED)
  t.equal(await w.raw.exists(key), 0, 'a gone session records nothing')
  const ttl = await w.raw.pttl(`${e.key}:x:${a.id}`)
  t.ok(ttl > 0 && ttl <= 60000, `the close record expires by itself (pttl ${ttl})`)
})

t.test('records go on expiry; a client-level reconnect (attach dropping watches) clears them, a resume keeps them', async (t) => {
  const e = await w.engine(t)
  const a = await session(e, 'conn-1', 10000)
  await e.exec(a.ctx, create('/one'), 1, 0, 0)
  t.same(await e.attachSession(a.id, 'aa', a.ctx.now, 'conn-2', false), { ok: true, timeout: 10000 })
  t.equal((await e.exec(a.ctx, create('/two'), 1, 0, 0)).outcome.body?.path, '/one', 'a resume (RESUME) keeps the records: xid 1 replays')
  await e.attachSession(a.id, 'aa', a.ctx.now, 'conn-3', true)
  const fresh = await e.exec(a.ctx, create('/two'), 1, 0, 0)
  t.equal(fresh.outcome.body?.path, '/two', 'a new ZooKeeper connection (CONNECT) may start its xids at 1 again')
  t.equal(await w.raw.zcard(`${e.key}:r:${a.id}`), 1)
  t.same((await e.expire(a.ctx.now + 10000)).expired, [a.id])
  t.equal(await w.raw.exists(`${e.key}:r:${a.id}`), 0)
  t.equal(await w.raw.exists(`${e.key}:x:${a.id}`), 0, 'an expired session leaves no close record')
})
