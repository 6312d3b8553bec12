import t from 'tap'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { encodeConnectRequest } from '../../src/protocol'
import { encodeConnect, encodeRequestMessage } from '../../src/node/messages'
import { ApiClient, create, newSession, randomPassword } from './ws-client'
import { httpGet, nodeOn, startRedis } from './harness'

// One real redis-server and one node in this process, driven through the
// WebSocket API (docs/protocol.md) by a raw client: handshakes, requests and
// replies in order, pings, auth, protocol errors, and the HTTP endpoints.

t.setTimeout(60_000)

const TICK = 500

t.test('a node over one Redis', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => node.close())
  const port = node.httpPort

  t.test('CONNECT: a new session, the timeout clamped to [2, 20] ticks, readOnly echoed only when sent', async (t) => {
    const a = await ApiClient.open(port)
    t.teardown(() => a.close())
    a.connect({ timeout: 60_000 })
    const m = await a.next()
    t.equal(m.kind, 'connected')
    if (m.kind !== 'connected') return
    t.ok(m.sessionId > 0 && Number.isSafeInteger(m.sessionId), 'a session id below 2^53')
    t.equal(m.timeout, 20 * TICK, 'clamped to the max')
    t.equal(m.passwd.length, 16)
    t.equal(m.hasReadOnly, true, 'the client sent readOnly, the answer has it')

    const b = await ApiClient.open(port)
    t.teardown(() => b.close())
    b.connect({ timeout: 10, readOnly: false })
    const n = await b.next()
    if (n.kind !== 'connected') throw new Error(n.kind)
    t.equal(n.timeout, 2 * TICK, 'clamped to the min')
    t.equal(n.hasReadOnly, false, 'an old client gets no readOnly byte')
    t.not(n.sessionId, m.sessionId, 'a new id per session')
    t.not(n.passwd.toString('hex'), m.passwd.toString('hex'), 'a new password per session')
  })

  t.test('CONNECT with a session id: same session with the right password, the expired answer then CLOSE without', async (t) => {
    const { c, s } = await newSession(port, 4000)
    const x = c.send(create('/reconnect-me', Buffer.from('v'), 1)) // ephemeral
    t.equal((await c.reply(x)).err, Err.OK)
    c.drop()

    const again = await ApiClient.open(port)
    t.teardown(() => again.close())
    again.connect({ sessionId: s.id, passwd: s.passwd, timeout: 4000 })
    const m = await again.next()
    if (m.kind !== 'connected') throw new Error(m.kind)
    t.equal(m.sessionId, s.id, 'the same session')
    t.equal(m.timeout, s.timeout, 'the session keeps the timeout it was created with')
    t.same(m.passwd, s.passwd, 'the password is echoed')
    const y = again.send({ type: OpCode.exists, path: '/reconnect-me', watch: false })
    const r = await again.reply(y)
    t.equal(r.err, Err.OK, 'its ephemeral is still there')
    t.equal(r.body?.stat?.ephemeralOwner, s.id)

    const wrong = await ApiClient.open(port)
    wrong.connect({ sessionId: s.id, passwd: randomPassword() })
    const e = await wrong.next()
    if (e.kind !== 'connected') throw new Error(e.kind)
    t.same({ sessionId: e.sessionId, timeout: e.timeout, passwd: e.passwd }, { sessionId: 0, timeout: 0, passwd: Buffer.alloc(16) }, "ZooKeeper's session-expired answer")
    t.same(await wrong.next(), { kind: 'close', reason: 'session expired' })
    await wrong.waitClosed()

    const unknown = await ApiClient.open(port)
    unknown.connect({ sessionId: 12345, passwd: randomPassword() })
    const u = await unknown.next()
    t.equal(u.kind === 'connected' && u.sessionId, 0, 'an unknown session is expired too')
    t.equal((await unknown.next()).kind, 'close')
    await unknown.waitClosed()
  })

  t.test('CONNECT from a client that has seen a newer zxid is refused: CLOSE, no CONNECTED', async (t) => {
    const c = await ApiClient.open(port)
    c.connect({ lastZxidSeen: 1e12 })
    const m = await c.next()
    t.equal(m.kind, 'close')
    t.match(m.kind === 'close' ? m.reason : '', /zxid/)
    await c.waitClosed()
  })

  t.test('RESUME: RESUMED with the timeout; an unknown session or a wrong password gets EXPIRED and the socket closes', async (t) => {
    const { c, s } = await newSession(port, 3000)
    c.drop()
    const r = await ApiClient.open(port)
    t.teardown(() => r.close())
    r.resume(s, 0)
    t.same(await r.next(), { kind: 'resumed', timeout: s.timeout })
    const x = r.send({ type: OpCode.exists, path: '/', watch: false })
    t.equal((await r.reply(x)).err, Err.OK, 'requests are served after RESUMED')

    const bad = await ApiClient.open(port)
    bad.resume({ ...s, passwd: randomPassword() }, 0)
    t.same(await bad.next(), { kind: 'expired' })
    await bad.waitClosed()

    const gone = await ApiClient.open(port)
    gone.resume({ id: 987654321, passwd: randomPassword(), timeout: 0 }, 0)
    t.same(await gone.next(), { kind: 'expired' })
    await gone.waitClosed()
  })

  t.test('requests: replies in request order while pipelined, errors as ZooKeeper, null vs empty data', async (t) => {
    const { c } = await newSession(port)
    t.teardown(() => c.close())
    const xids: number[] = []
    // 100 requests without waiting: creates, reads and failures interleaved
    for (let i = 0; i < 25; i++) {
      xids.push(c.send(create(`/p${i}`, i % 2 === 0 ? null : Buffer.alloc(0))))
      xids.push(c.send({ type: OpCode.getData, path: `/p${i}`, watch: false }))
      xids.push(c.send(create(`/p${i}`)))
      xids.push(c.send({ type: OpCode.delete, path: `/nope${i}`, version: -1 }))
    }
    const replies: Array<Awaited<ReturnType<ApiClient['reply']>>> = []
    for (const x of xids) replies.push(await c.reply(x))
    t.same(replies.map((r) => r.xid), xids, 'every reply, in request order')
    for (let i = 0; i < 25; i++) {
      const [cr, get, dup, del] = replies.slice(4 * i, 4 * i + 4)
      t.equal(cr.err, Err.OK)
      t.equal(get.err, Err.OK)
      if (i % 2 === 0) t.equal(get.body?.data, null, 'null data stays null')
      else t.same(get.body?.data, Buffer.alloc(0), 'empty data stays empty')
      t.equal(dup.err, Err.NODEEXISTS)
      t.equal(del.err, Err.NONODE)
    }
    t.ok(replies.every((r, i) => i === 0 || r.zxid >= replies[i - 1].zxid), 'zxids never go back')
  })

  t.test('ping: a ping reply at once, in line with other replies, with a zxid the store has reached', async (t) => {
    const { c } = await newSession(port)
    t.teardown(() => c.close())
    const x = c.send(create('/ping-order'))
    c.ping()
    const y = c.send({ type: OpCode.exists, path: '/ping-order', watch: false })
    const msgs = await c.until(y)
    t.same(msgs.map((m) => m.kind === 'reply' ? m.xid : m.kind), [x, -2, y], 'the ping reply keeps its place')
    const created = msgs[0]
    const ping = msgs[1]
    if (created.kind !== 'reply' || ping.kind !== 'reply') throw new Error('replies expected')
    t.ok(ping.zxid >= created.zxid, 'the ping carries at least the zxid of the write before it')
  })

  t.test('malformed body: MARSHALLINGERROR and the connection stays; unknown opcode: UNIMPLEMENTED then CLOSE', async (t) => {
    const { c } = await newSession(port)
    // getData whose path string claims 1000 bytes
    c.sendRawRequest(7, OpCode.getData, Buffer.from([0, 0, 3, 232, 47]))
    const bad = await c.reply(7)
    t.equal(bad.err, Err.MARSHALLINGERROR)
    const x = c.send({ type: OpCode.exists, path: '/', watch: false })
    t.equal((await c.reply(x)).err, Err.OK, 'still served')
    // a top-level check is left to the engine, as the embedded server does
    const ck = c.send({ type: OpCode.check, path: '/', version: -1 })
    t.equal((await c.reply(ck)).err, Err.UNIMPLEMENTED)
    const y = c.send({ type: OpCode.exists, path: '/', watch: false })
    t.equal((await c.reply(y)).err, Err.OK, 'a top-level check does not close the connection')

    c.sendRawRequest(8, 777)
    const u = await c.reply(8)
    t.equal(u.err, Err.UNIMPLEMENTED)
    t.equal(u.zxid, -1)
    t.same(await c.next(), { kind: 'close', reason: 'unimplemented request' })
    await c.waitClosed()
  })

  t.test('auth: digest identities are per connection and govern ACLs; an unknown scheme fails and closes', async (t) => {
    const { c } = await newSession(port)
    t.teardown(() => c.close())
    const a = c.send({ type: OpCode.auth, authType: 0, scheme: 'digest', auth: Buffer.from('alice:secret') }, -4)
    t.equal((await c.reply(a)).err, Err.OK)
    const who = c.send({ type: OpCode.whoAmI })
    const w = await c.reply(who)
    // ZooKeeper 3.8's order (its identities are a hash set), checked against it
    t.same(w.body?.clientInfo, [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }])
    const x = c.send({ type: OpCode.create, path: '/alice-only', data: Buffer.from('s'), dataLength: 1, acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }], flags: 0 })
    t.equal((await c.reply(x)).err, Err.OK)
    const mine = c.send({ type: OpCode.getData, path: '/alice-only', watch: false })
    t.equal((await c.reply(mine)).err, Err.OK, 'alice reads her node')

    const other = await newSession(port)
    t.teardown(() => other.c.close())
    const theirs = other.c.send({ type: OpCode.getData, path: '/alice-only', watch: false })
    t.equal((await other.c.reply(theirs)).err, Err.NOAUTH, 'another connection does not have her identity')

    const bad = await newSession(port)
    const f = bad.c.send({ type: OpCode.auth, authType: 0, scheme: 'kerberos', auth: Buffer.from('x') }, -4)
    t.equal((await bad.c.reply(f)).err, Err.AUTHFAILED)
    t.same(await bad.c.next(), { kind: 'close', reason: 'authentication failed' })
    await bad.c.waitClosed()
  })

  t.test('closeSession: events, the reply, CLOSE; the session is gone for good', async (t) => {
    const { c, s } = await newSession(port)
    const e = c.send(create('/closing-eph', Buffer.from('e'), 1))
    t.equal((await c.reply(e)).err, Err.OK)
    const w = c.send({ type: OpCode.exists, path: '/closing-eph', watch: true })
    t.equal((await c.reply(w)).err, Err.OK)
    const x = c.send({ type: OpCode.closeSession })
    const msgs = await c.until(x)
    const reply = msgs[msgs.length - 1]
    t.equal(reply.kind === 'reply' && reply.err, Err.OK)
    t.same(await c.next(), { kind: 'close', reason: 'session closed' })
    await c.waitClosed()

    const probe = await newSession(port)
    t.teardown(() => probe.c.close())
    const p = probe.c.send({ type: OpCode.exists, path: '/closing-eph', watch: false })
    t.equal((await probe.c.reply(p)).err, Err.NONODE, 'its ephemeral went with it')
    const r = await ApiClient.open(port)
    r.resume(s, 0)
    t.same(await r.next(), { kind: 'expired' }, 'a closed session cannot be resumed')
  })

  t.test('an idle session gets its events from a notice, without sending anything', async (t) => {
    const watcher = await newSession(port)
    t.teardown(() => watcher.c.close())
    const writer = await newSession(port)
    t.teardown(() => writer.c.close())
    const x = writer.c.send(create('/notify-me'))
    t.equal((await writer.c.reply(x)).err, Err.OK)
    const w = watcher.c.send({ type: OpCode.getData, path: '/notify-me', watch: true })
    t.equal((await watcher.c.reply(w)).err, Err.OK)
    const y = writer.c.send({ type: OpCode.delete, path: '/notify-me', version: -1 })
    t.equal((await writer.c.reply(y)).err, Err.OK)
    const ev = await watcher.c.next()
    t.match(ev, { kind: 'event', type: EventType.NodeDeleted, path: '/notify-me', state: 3 })
  })

  t.test('protocol errors close only the offending connection, with CLOSE saying why', async (t) => {
    const bystander = await newSession(port)
    t.teardown(() => bystander.c.close())

    const cases: Array<[string, (c: ApiClient) => void, RegExp]> = [
      ['a text message', (c) => c.sendRaw('hello'), /text message/],
      ['an empty message', (c) => c.sendRaw(Buffer.alloc(0)), /empty message/],
      ['an unknown message type', (c) => c.sendRaw(Buffer.from([0x42, 1, 2])), /unknown message type 0x42/],
      ['a REQUEST before CONNECT', (c) => c.sendRaw(encodeRequestMessage(0, Buffer.from([0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 3]))), /before CONNECT/],
      ['a short RESUME', (c) => c.sendRaw(Buffer.from([0x02, 0, 0, 0])), /RESUME must be 33 bytes/],
      ['a RESUME with a negative seq', (c) => { const m = Buffer.alloc(33); m[0] = 2; m.writeBigInt64BE(-1n, 25); c.sendRaw(m) }, /deliveredSeq out of range/],
      ['a garbled ConnectRequest', (c) => c.sendRaw(Buffer.from([0x01, 0, 0])), /malformed ConnectRequest/],
      ['DETACH with a payload', (c) => c.sendRaw(Buffer.from([0x04, 0])), /DETACH carries no payload/]
    ]
    for (const [what, act, reason] of cases) {
      const c = await ApiClient.open(port)
      act(c)
      const m = await c.next()
      t.equal(m.kind, 'close', what)
      t.match(m.kind === 'close' ? m.reason : '', reason, what)
      await c.waitClosed()
    }

    const twice = await newSession(port)
    twice.c.sendRaw(encodeConnect(encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 3000, sessionId: 0, passwd: Buffer.alloc(16) }, true)))
    const m = await twice.c.next()
    t.match(m, { kind: 'close', reason: /second CONNECT/ })

    const header = await newSession(port)
    header.c.sendRaw(encodeRequestMessage(0, Buffer.from([0, 0, 0, 2, 0, 0])))
    t.match(await header.c.next(), { kind: 'close', reason: /malformed request header/ })

    const big = await newSession(port)
    big.c.send(create('/big', Buffer.alloc(1048576)))
    t.match(await big.c.next(), { kind: 'close', reason: /a request of \d+ bytes is over jute\.maxbuffer \(1048575\)/ }, 'as ZooKeeper closes a connection for a frame over jute.maxbuffer')
    await big.c.waitClosed()

    const x = bystander.c.send({ type: OpCode.exists, path: '/', watch: false })
    t.equal((await bystander.c.reply(x)).err, Err.OK, 'the bystander is still served')
  })

  t.test('HTTP: health, readiness, status and four-letter words', async (t) => {
    t.same(await httpGet(port, '/healthz'), { status: 200, body: '{"status":"ok"}', type: 'application/json; charset=utf-8' })
    t.equal((await httpGet(port, '/readyz')).status, 200)
    const st = await httpGet(port, '/v1/status')
    t.equal(st.status, 200)
    const status = JSON.parse(st.body) as Record<string, unknown>
    t.match(status, { mode: 'node', zookeeperVersion: /^3\.8\.0-redkeeper-/ })
    t.ok(typeof status.zxid === 'number' && status.zxid > 0, 'zxid from Redis')
    t.ok(typeof status.nodeCount === 'number' && status.nodeCount >= 4, 'znodes from Redis (/, /zookeeper, ...)')

    const ruok = await httpGet(port, '/v1/fourletter/ruok')
    t.same([ruok.status, ruok.body], [200, 'imok'])
    t.match(ruok.type, /^text\/plain/)
    t.equal((await httpGet(port, '/v1/fourletter/isro')).body, 'rw')
    const srvr = (await httpGet(port, '/v1/fourletter/srvr')).body
    t.match(srvr, /^Zookeeper version: 3\.8\.0-redkeeper-[^\n]+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/)
    t.match(srvr, /\nLatency min\/avg\/max: \d+\/[\d.]+\/\d+\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: 0\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: \d+\n$/)
    t.ok(parseInt(/Zxid: 0x([0-9a-f]+)/.exec(srvr)?.[1] ?? '0', 16) >= (status.zxid as number), "srvr's zxid is Redis's, in hex")
    const mntr = (await httpGet(port, '/v1/fourletter/mntr')).body
    t.match(mntr, /^zk_version\t3\.8\.0-redkeeper-/)
    t.match(mntr, /\nzk_server_state\tstandalone\n/)
    t.match(mntr, /\nzk_znode_count\t\d+\n/)
    t.match(mntr, /\nzk_global_sessions\t\d+\n/)
    const conf = (await httpGet(port, '/v1/fourletter/conf')).body
    t.match(conf, `clientPort=${port}\n`)
    t.match(conf, `\ntickTime=${TICK}\n`)
    t.match(conf, `\nminSessionTimeout=${2 * TICK}\nmaxSessionTimeout=${20 * TICK}\n`)
    t.match(conf, /\ndataDir=redis:\/\/127\.0\.0\.1:\d+ \{rk\}\n/)
    t.match((await httpGet(port, '/v1/fourletter/envi')).body, /^Environment:\nzookeeper\.version=3\.8\.0-redkeeper-/)
    const held = await newSession(port)
    t.teardown(() => held.c.close())
    t.match((await httpGet(port, '/v1/fourletter/stat')).body, /^Zookeeper version: [^\n]+\nClients:\n( \/127\.0\.0\.1:\d+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+\)\n)+\n/)
    const nope = await httpGet(port, '/v1/fourletter/abcd')
    t.equal(nope.status, 404)
    t.match(JSON.parse(nope.body), { error: /not a ZooKeeper four-letter word/ })
    t.equal((await httpGet(port, '/v1/fourletter/RUOK')).status, 400, 'a bad word is refused by the schema')
  })
})

t.test('readiness follows Redis; SIGTERM-style close leaves sessions to be resumed', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const one = await nodeOn(redis.url, { tickMs: TICK })
  const two = await nodeOn(redis.url, { tickMs: TICK })
  t.teardown(() => two.close())

  const { c, s } = await newSession(one.httpPort, 5000)
  const x = c.send(create('/survives-shutdown', Buffer.from('1'), 1))
  t.equal((await c.reply(x)).err, Err.OK)
  await one.close()
  await c.waitClosed()
  t.equal(c.closeCode, 1001, 'closed as "going away"')
  t.notOk(c.log.some((m) => m.kind === 'close'), 'no CLOSE message: the sidecar resumes elsewhere')

  const r = await ApiClient.open(two.httpPort)
  t.teardown(() => r.close())
  r.resume(s, c.lastSeq)
  t.same(await r.next(), { kind: 'resumed', timeout: s.timeout }, 'the session survived the node')
  const y = r.send({ type: OpCode.exists, path: '/survives-shutdown', watch: false })
  t.equal((await r.reply(y)).body?.stat?.ephemeralOwner, s.id, 'with its ephemeral')

  t.equal((await httpGet(two.httpPort, '/readyz')).status, 200)
  await redis.stop()
  t.same(await httpGet(two.httpPort, '/readyz'), { status: 503, body: '{"status":"not ready"}', type: 'application/json; charset=utf-8' }, 'not ready without Redis')
  t.equal((await httpGet(two.httpPort, '/healthz')).status, 200, 'but alive')
})
