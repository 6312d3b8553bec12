import t from 'tap'
import { Redis } from 'ioredis'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { ApiClient, create, newSession, type NodeMessage } from './ws-client'
import { nodeOn, startRedis } from './harness'
import { functionName, LIBRARIES_KEY } from '../../src/stores/redis'

// Two real nodes sharing one real redis-server: what one node does is seen
// through the other, because every fact lives in Redis. Events cross nodes
// and precede replies, sessions and their watches move between nodes, a
// re-sent write is answered and not applied twice, pings cost no Redis call,
// and expiry happens once however many nodes race for it.

t.setTimeout(90_000)

const TICK = 500

function kinds (msgs: NodeMessage[]): string[] {
  return msgs.map((m) => m.kind === 'reply' ? `reply ${m.xid}` : m.kind === 'event' ? `event ${m.type} ${m.path}` : m.kind)
}

t.test('two nodes over one Redis', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const n1 = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => n1.close())
  const n2 = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => n2.close())

  t.test('a write on node 2 fires a watch of node 1: the EVENT comes before the reply to the next request', async (t) => {
    const a = await newSession(n1.httpPort)
    t.teardown(() => a.c.close())
    const b = await newSession(n2.httpPort)
    t.teardown(() => b.c.close())
    t.equal((await b.c.reply(b.c.send(create('/ev')))).err, Err.OK)
    const w = a.c.send({ type: OpCode.getData, path: '/ev', watch: true })
    t.equal((await a.c.reply(w)).err, Err.OK)

    const s = b.c.send({ type: OpCode.setData, path: '/ev', data: Buffer.from('2'), dataLength: 1, version: -1 })
    t.equal((await b.c.reply(s)).err, Err.OK)
    const x = a.c.send({ type: OpCode.getData, path: '/ev', watch: false })
    const msgs = await a.c.until(x)
    t.same(kinds(msgs), [`event ${EventType.NodeDataChanged} /ev`, `reply ${x}`], 'the event, then the reply')
    const reply = msgs[1]
    t.same(reply.kind === 'reply' && reply.body?.data, Buffer.from('2'), 'and the reply reads the new data')
  })

  t.test('RESUME through the other node keeps the watches', async (t) => {
    const a = await newSession(n1.httpPort)
    const b = await newSession(n1.httpPort)
    t.teardown(() => b.c.close())
    t.equal((await b.c.reply(b.c.send(create('/rw')))).err, Err.OK)
    t.equal((await a.c.reply(a.c.send({ type: OpCode.getData, path: '/rw', watch: true }))).err, Err.OK)
    t.equal((await a.c.reply(a.c.send({ type: OpCode.getChildren, path: '/rw', watch: true }))).err, Err.OK)
    a.c.drop() // node 1 "died" for this client

    const r = await ApiClient.open(n2.httpPort)
    t.teardown(() => r.close())
    r.resume(a.s, a.c.lastSeq)
    t.same(await r.next(), { kind: 'resumed', timeout: a.s.timeout })
    t.equal((await b.c.reply(b.c.send(create('/rw/kid')))).err, Err.OK)
    t.match(await r.next(), { kind: 'event', type: EventType.NodeChildrenChanged, path: '/rw' }, 'the child watch fired on node 2')
    t.equal((await b.c.reply(b.c.send({ type: OpCode.setData, path: '/rw', data: null, dataLength: -1, version: -1 }))).err, Err.OK)
    t.match(await r.next(), { kind: 'event', type: EventType.NodeDataChanged, path: '/rw' }, 'the data watch too')
  })

  t.test('an event queued while no node held the connection is delivered after RESUMED, at the first ping at the latest', async (t) => {
    const a = await newSession(n1.httpPort)
    const b = await newSession(n2.httpPort)
    t.teardown(() => b.c.close())
    t.equal((await b.c.reply(b.c.send(create('/q')))).err, Err.OK)
    t.equal((await a.c.reply(a.c.send({ type: OpCode.exists, path: '/q', watch: true }))).err, Err.OK)
    a.c.drop()
    await a.c.waitClosed()
    t.equal((await b.c.reply(b.c.send({ type: OpCode.delete, path: '/q', version: -1 }))).err, Err.OK)

    const r = await ApiClient.open(n2.httpPort)
    t.teardown(() => r.close())
    r.resume(a.s, a.c.lastSeq)
    t.same(await r.next(), { kind: 'resumed', timeout: a.s.timeout })
    t.match(await r.next(), { kind: 'event', type: EventType.NodeDeleted, path: '/q' }, 'with no request from the client')

    // The sidecar's first ping after RESUMED (it comes after its replays)
    // releases the owed poll at once: the event, then the ping's reply.
    t.equal((await r.reply(r.send({ type: OpCode.exists, path: '/q', watch: true }))).err, Err.NONODE)
    r.drop()
    await r.waitClosed()
    t.equal((await b.c.reply(b.c.send(create('/q')))).err, Err.OK)
    const p = await ApiClient.open(n1.httpPort)
    t.teardown(() => p.close())
    p.resume(a.s, r.lastSeq)
    p.ping()
    t.same(kinds([await p.next(), await p.next(), await p.next()]), ['resumed', `event ${EventType.NodeCreated} /q`, 'reply -2'])

    // A sidecar that resumes with the seq it acked gets nothing again.
    t.equal((await p.reply(p.send({ type: OpCode.exists, path: '/', watch: false }))).err, Err.OK)
    p.drop()
    const again = await ApiClient.open(n2.httpPort)
    t.teardown(() => again.close())
    again.resume(a.s, p.lastSeq)
    again.ping()
    t.same(kinds([await again.next(), await again.next()]), ['resumed', 'reply -2'], 'nothing after the delivered seq')
  })

  t.test('a create re-sent after RESUME (same xid) is answered from the record, not applied twice', async (t) => {
    const a = await newSession(n1.httpPort)
    t.equal((await a.c.reply(a.c.send(create('/once')))).err, Err.OK)
    // answered on node 1, but the answer "was lost" with the node
    const x = a.c.send(create('/once/seq-', Buffer.from('a'), 2)) // persistent sequential
    const first = await a.c.reply(x)
    t.equal(first.err, Err.OK)
    a.c.drop()

    const r = await ApiClient.open(n2.httpPort)
    t.teardown(() => r.close())
    r.resume(a.s, a.c.lastSeq)
    t.same(await r.next(), { kind: 'resumed', timeout: a.s.timeout })
    const again = await r.reply(r.send(create('/once/seq-', Buffer.from('a'), 2), x))
    t.equal(again.err, Err.OK)
    t.equal(again.body?.path, first.body?.path, 'the same sequential name')
    t.equal(again.zxid, first.zxid, 'the recorded zxid')

    // and one whose WebSocket died before any answer could be read
    const y = r.send(create('/once/seq-', Buffer.from('b'), 2), x + 1)
    r.drop()
    const s = await ApiClient.open(n1.httpPort)
    t.teardown(() => s.close())
    s.resume(a.s, r.lastSeq)
    t.same(await s.next(), { kind: 'resumed', timeout: a.s.timeout })
    t.equal((await s.reply(s.send(create('/once/seq-', Buffer.from('b'), 2), y))).err, Err.OK)
    const kids = await s.reply(s.send({ type: OpCode.getChildren, path: '/once', watch: false }))
    t.equal(kids.body?.children?.length, 2, 'two creates sent, two re-sent: two children')
  })

  t.test('a watch-setting read re-sent after RESUME is answered as it was, and does not arm its watch again', async (t) => {
    const a = await newSession(n1.httpPort)
    const b = await newSession(n2.httpPort)
    t.teardown(() => b.c.close())
    t.equal((await b.c.reply(b.c.send(create('/rr', Buffer.from('1'))))).err, Err.OK)
    const x = a.c.send({ type: OpCode.getData, path: '/rr', watch: true })
    const first = await a.c.reply(x) // ran on node 1; its reply "was lost" with the node
    a.c.drop()
    await a.c.waitClosed()
    t.equal((await b.c.reply(b.c.send({ type: OpCode.setData, path: '/rr', data: Buffer.from('2'), dataLength: 1, version: -1 }))).err, Err.OK)

    const r = await ApiClient.open(n2.httpPort)
    t.teardown(() => r.close())
    r.resume(a.s, a.c.lastSeq)
    t.same(await r.next(), { kind: 'resumed', timeout: a.s.timeout })
    r.send({ type: OpCode.getData, path: '/rr', watch: true }, x)
    r.ping()
    const msgs = [await r.next(), await r.next(), await r.next()]
    t.same(kinds(msgs), [`reply ${x}`, `event ${EventType.NodeDataChanged} /rr`, 'reply -2'], 'the reply as it was, then the event its watch fired')
    const again = msgs[0]
    t.same(again.kind === 'reply' && again.body?.data, first.body?.data, 'the data it read then')
    t.equal((await b.c.reply(b.c.send({ type: OpCode.setData, path: '/rr', data: Buffer.from('3'), dataLength: 1, version: -1 }))).err, Err.OK)
    t.ok(await r.quietFor(1000), 'one registration, one event')
  })

  t.test('a session moving to another connection closes the one it left (any node)', async (t) => {
    const a = await newSession(n1.httpPort)
    const other = await ApiClient.open(n2.httpPort)
    t.teardown(() => other.close())
    other.connect({ sessionId: a.s.id, passwd: a.s.passwd, timeout: a.s.timeout })
    t.match(await other.next(), { kind: 'connected', sessionId: a.s.id })
    t.same(await a.c.next(), { kind: 'close', reason: 'session moved to another connection' }, 'across nodes, by notice')
    await a.c.waitClosed()

    const local = await ApiClient.open(n2.httpPort)
    t.teardown(() => local.close())
    local.resume(a.s, 0)
    t.same(await local.next(), { kind: 'resumed', timeout: a.s.timeout })
    t.same(await other.next(), { kind: 'close', reason: 'session moved to another connection' }, 'on one node')
  })

  t.test('DETACH drops the watches, keeps the session', async (t) => {
    const a = await newSession(n1.httpPort)
    const b = await newSession(n2.httpPort)
    t.teardown(() => b.c.close())
    t.equal((await b.c.reply(b.c.send(create('/d')))).err, Err.OK)
    t.equal((await a.c.reply(a.c.send(create('/d-eph', null, 1)))).err, Err.OK)
    t.equal((await a.c.reply(a.c.send({ type: OpCode.getData, path: '/d', watch: true }))).err, Err.OK)
    a.c.detach()
    await a.c.waitClosed()
    t.notOk(a.c.log.some((m) => m.kind === 'close'), 'the node just closes the socket')

    t.equal((await b.c.reply(b.c.send({ type: OpCode.setData, path: '/d', data: null, dataLength: -1, version: -1 }))).err, Err.OK)
    const r = await ApiClient.open(n2.httpPort)
    t.teardown(() => r.close())
    r.resume(a.s, 0) // RESUME keeps watches and queued events: none may be left
    t.same(await r.next(), { kind: 'resumed', timeout: a.s.timeout }, 'the session lives on')
    const x = r.send({ type: OpCode.exists, path: '/d-eph', watch: false })
    const msgs = await r.until(x)
    t.same(kinds(msgs), [`reply ${x}`], 'no event: the watch went with DETACH')
    const m = msgs[0]
    t.equal(m.kind === 'reply' && m.err, Err.OK, 'its ephemeral stayed')
  })
})

t.test('expiry: a silent session is expired exactly once by one of the nodes, its watchers told on either', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const n1 = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => n1.close())
  const n2 = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => n2.close())

  const quiet = await newSession(n1.httpPort, 1) // clamped to the minimum, 2 ticks
  t.teardown(() => quiet.c.close())
  t.equal(quiet.s.timeout, 2 * TICK)
  t.equal((await quiet.c.reply(quiet.c.send(create('/x-eph', null, 1)))).err, Err.OK)

  const pinger = await newSession(n2.httpPort, 1)
  t.teardown(() => pinger.c.close())
  const w = await newSession(n2.httpPort)
  t.teardown(() => w.c.close())
  t.equal((await w.c.reply(w.c.send({ type: OpCode.exists, path: '/x-eph', watch: true }))).err, Err.OK)

  // pinger: pings only, four timeouts long; quiet: nothing at all
  const pings = setInterval(() => pinger.c.ping(), TICK / 2)
  t.teardown(() => clearInterval(pings))

  t.same(await quiet.c.next(10_000), { kind: 'close', reason: 'session expired' }, 'the silent session is closed')
  t.match(await w.c.next(10_000), { kind: 'event', type: EventType.NodeDeleted, path: '/x-eph' }, 'its ephemeral went, the watcher was told')
  await new Promise((resolve) => setTimeout(resolve, 4 * TICK))
  t.ok(await w.c.quietFor(TICK), 'once')
  const hex = `0x${quiet.s.id.toString(16)}`
  const expiredLines = [...n1.logs, ...n2.logs].filter((l) => l.includes('"msg":"session expired"') && l.includes(`"session":"${hex}"`))
  t.equal(expiredLines.length, 1, 'one node expired it, once')

  clearInterval(pings)
  t.notOk(pinger.c.log.some((m) => m.kind === 'close'), 'pings alone kept the other session alive')
  const x = pinger.c.send({ type: OpCode.exists, path: '/', watch: false })
  const msgs = await pinger.c.until(x)
  t.equal(msgs.filter((m) => m.kind === 'reply' && m.xid === -2).length >= 4, true, 'its pings were answered')
  const last = msgs[msgs.length - 1]
  t.equal(last.kind === 'reply' && last.err, Err.OK, 'and it is still served')
})

t.test('pings cost no Redis call: heartbeats are batched per node', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  // a long tick: no expiry round is due while we ping; heartbeats are
  // written in batches every 100 ms (ticker.ts), never one per ping
  const node = await nodeOn(redis.url, { tickMs: 60_000 })
  t.teardown(() => node.close())
  const a = await newSession(node.httpPort)
  t.teardown(() => a.c.close())
  const admin = new Redis(redis.url)
  t.teardown(() => admin.quit())
  // MONITOR shows every command a client sends (and, marked "lua", those a
  // Function runs): exactly what the node asks of Redis.
  const monitor = await admin.monitor()
  t.teardown(() => monitor.disconnect())
  const seen: string[] = []
  let touches = 0
  const touchMany = functionName('rk_session_touch_many', node.libraryVersion)
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    // the node's periodic library bookkeeping (library-keeper.ts) and its
    // deadline peek (ticker.ts) are not a request's
    if (source === 'lua' || args[1] === LIBRARIES_KEY || args[0].toUpperCase() === 'FUNCTION') return
    if (args[0].toUpperCase() === 'ZRANGE' && args[1].endsWith(':deadlines')) return
    if (args[1] === touchMany) touches++
    else seen.push(args.slice(0, 2).join(' '))
  })
  // MONITOR starts with the next command: make sure it is on before we ping
  await admin.ping()
  await new Promise((resolve) => setTimeout(resolve, 100))
  seen.length = 0
  touches = 0

  for (let i = 0; i < 200; i++) a.c.ping()
  const x = a.c.send({ type: OpCode.exists, path: '/', watch: false })
  const msgs = await a.c.until(x)
  t.equal(msgs.length, 201, '200 ping replies, then the reply')
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(seen, [`FCALL ${functionName('rk_request', node.libraryVersion)}`], '201 requests, one Redis call: the exists')
  // one touch per 100 ms at most, whatever the number of pings: 50 would
  // take the node 5 s for 200 pings
  t.ok(touches < 50, `the 200 pings' heartbeats went in ${touches} batched touches`)
})
