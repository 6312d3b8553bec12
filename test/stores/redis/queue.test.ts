// Watch events for stateless nodes: queued per session in Redis by the same
// FCALL that fired them, handed back with the session's next request (before
// its reply), forgotten once acknowledged, announced to the other nodes on
// pub/sub. Real redis-server, real ioredis, no mocks.
import t from 'tap'
import { CreateFlag, Err, EventType, OpCode } from '../../../src/engine'
import {
  call, create, exists, getChildren, getData, listen, OPEN, session, setData, world, type World,
} from './dist-helpers'

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

t.test('an event is queued for its watcher and comes back with its next request, before the reply', async (t) => {
  const e = await w.engine(t)
  const notices = await listen(t, e)
  const a = await session(e, 'conn-a')
  const b = await session(e, 'conn-b')
  await call(e, a, create('/w'))
  t.same((await call(e, b, getData('/w', true))).events, [])
  const s = await call(e, a, setData('/w', 'v2'))
  t.equal(s.outcome.err, Err.OK)
  t.same(s.outcome.events, [], 'the outcome carries no events: they are queued')
  t.same(s.events, [], 'the writer watched nothing')
  t.same(await notices.next((n) => n.kind === 'events', 'for b'), { kind: 'events', sessions: [b.id] }, 'one notice, naming the watcher only')
  const r = await call(e, b, getData('/w'))
  t.same(r.events, [{ seq: 1, type: EventType.NodeDataChanged, path: '/w' }], 'the event first')
  t.same(r.outcome.body?.data, Buffer.from('v2'), 'then the reply, which already shows the change')

  // the caller's own event comes with the reply of the request that fired it
  await call(e, a, exists('/self', true))
  const own = await call(e, a, create('/self'))
  t.same(own.events, [{ seq: 1, type: EventType.NodeCreated, path: '/self' }])
  t.equal(own.outcome.body?.path, '/self')

  // one request firing several events for several sessions: one notice, each session once
  await call(e, b, getData('/w', true))
  await call(e, b, getChildren('/w', true))
  await call(e, a, getData('/w', true))
  const m = await call(e, a, {
    type: OpCode.multi,
    ops: [
      { type: OpCode.setData, path: '/w', data: Buffer.from('v3'), dataLength: 2, version: -1 },
      { type: OpCode.create, path: '/w/c', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT },
    ],
  }, 1)
  t.same(m.events, [{ seq: 2, type: EventType.NodeDataChanged, path: '/w' }], "the writer's own watch")
  t.same(await notices.next((n) => n.kind === 'events', 'for the multi'), { kind: 'events', sessions: [b.id] },
    'the session that only fired its own watch (a) is not announced')
  const polled = await e.pollEvents(b.id, 1, 0)
  t.same(polled.map((x) => [x.seq, x.type, x.path]), [
    [2, EventType.NodeDataChanged, '/w'],
    [3, EventType.NodeChildrenChanged, '/w'],
  ], 'in the order ZooKeeper fires them, seqs continuing')
  t.equal(notices.all.filter((n) => n.kind === 'events').length, 2, 'no other events notice')
})

t.test('ack trimming: events up to ackSeq are forgotten; deliveredSeq picks what comes back', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  const b = await session(e)
  const queue = `${e.key}:q:${b.id}`
  await call(e, a, create('/k'))
  for (let i = 0; i < 3; i++) {
    await call(e, b, getData('/k', true), 99, 0)
    await call(e, a, setData('/k', `v${i}`))
  }
  t.same((await e.pollEvents(b.id, 0, 0)).map((x) => x.seq), [1, 2, 3])
  t.same((await e.pollEvents(b.id, 2, 0)).map((x) => x.seq), [3], 'only those after deliveredSeq')
  t.equal(await w.raw.zcard(queue), 3, 'delivered is not acknowledged: all kept (a node may die before the client got them)')
  t.same((await e.pollEvents(b.id, 0, 2)).map((x) => x.seq), [3], 'acknowledged ones are gone, even when asked from 0')
  t.equal(await w.raw.zcard(queue), 1)
  const r = await call(e, b, exists('/k'), 3, 3)
  t.same(r.events, [])
  t.equal(await w.raw.exists(queue), 0, 'acknowledging the last one empties the queue')
  await call(e, b, getData('/k', true))
  await call(e, a, setData('/k', 'again'))
  t.same((await call(e, b, exists('/k'), 3, 3)).events.map((x) => x.seq), [4], 'seqs keep growing after the queue emptied')
  t.same(await e.pollEvents(b.id, 0, 0), [{ seq: 4, type: EventType.NodeDataChanged, path: '/k' }])
  t.same(await e.pollEvents(b.id + 12345, 0, 0), [], 'an unknown session has no events')
})

t.test('setWatches fires at once into the caller\'s queue, and comes back with its reply', async (t) => {
  const e = await w.engine(t)
  const a = await session(e)
  await call(e, a, create('/sw'))
  const zxid = await e.getZxid()
  await call(e, a, setData('/sw', 'changed'))
  const r = await call(e, a, {
    type: OpCode.setWatches, relativeZxid: zxid, dataWatches: ['/sw'], existWatches: ['/gone'], childWatches: [],
    persistentWatches: [], persistentRecursiveWatches: [],
  })
  t.equal(r.outcome.err, Err.OK)
  t.same(r.events, [{ seq: 1, type: EventType.NodeDataChanged, path: '/sw' }])
  await call(e, a, create('/gone'))
  t.same(await e.pollEvents(a.id, 1, 1), [{ seq: 2, type: EventType.NodeCreated, path: '/gone' }], 'the exists watch was set')
})

t.test('closeSession hands back the events fired before it; events for closed sessions are dropped', async (t) => {
  const e = await w.engine(t)
  const notices = await listen(t, e)
  const a = await session(e)
  const b = await session(e)
  await call(e, a, create('/c'))
  await call(e, b, getData('/c', true))
  await call(e, b, create('/eph', CreateFlag.EPHEMERAL))
  await call(e, a, exists('/eph', true))
  await call(e, a, setData('/c', 'x'))
  const closed = await e.closeSession(b.ctx, b.xid++, 0, 0)
  t.equal(closed.outcome.err, Err.OK)
  t.same(closed.events, [{ seq: 1, type: EventType.NodeDataChanged, path: '/c' }], 'the pending event precedes the close reply')
  t.equal(await w.raw.exists(`${e.key}:q:${b.id}`), 0, 'the queue went with the session')
  await notices.next((n) => n.kind === 'events' && n.sessions[0] === b.id, 'for the setData')
  t.same(await notices.next(() => true, 'after the close'), { kind: 'events', sessions: [a.id] }, "the ephemeral's watcher is announced")
  t.same(await notices.next(() => true, 'after the close'), { kind: 'expired', sessions: [b.id] }, 'then the close itself')
  t.same(await e.pollEvents(a.id, 0, 0), [{ seq: 1, type: EventType.NodeDeleted, path: '/eph' }], "the ephemeral's watcher is told")
  // a closed session gets nothing queued, and its keys stay gone
  await call(e, a, getData('/c', true))
  await call(e, a, setData('/c', 'y'))
  t.equal(await w.raw.exists(`${e.key}:q:${b.id}`), 0)
  t.equal(await w.raw.exists(`${e.key}:s:${b.id}`), 0)
})

t.test('notices: moved on attach, malformed messages refused, a dropped subscriber resubscribes', async (t) => {
  const e = await w.engine(t)
  const notices = await listen(t, e)
  const a = await session(e, 'conn-1')
  t.same(await e.attachSession(a.id, 'aa', a.ctx.now, 'conn-2', false), { ok: true, timeout: 30000 })
  t.same(await notices.next((n) => n.kind === 'moved', 'moved'), { kind: 'moved', session: a.id, owner: 'conn-2' })

  // anyone with access to Redis can publish: garbage is reported, never delivered
  await w.raw.publish(`${e.key}:notice`, 'not msgpack \xc1')
  await w.raw.publish(`${e.key}:notice`, Buffer.from([0x92, 0x09, 0x90]))
  await notices.until(() => notices.errors.length === 2, 'two bad notices reported')
  t.match(notices.errors[0].message, /bad notice/)
  t.equal(notices.errors[1].name, 'BadNoticeError')

  // the subscriber connection is killed: it reconnects, subscribes again, then says so
  const killed = await w.raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
  t.ok(Number(killed) >= 1, 'a pub/sub connection was killed')
  await notices.until(() => notices.reconnects >= 1, 'resubscribed after the drop')
  await e.attachSession(a.id, 'aa', a.ctx.now, 'conn-3', false)
  t.same(await notices.next((n) => n.kind === 'moved', 'moved after the reconnect'), { kind: 'moved', session: a.id, owner: 'conn-3' })
})
