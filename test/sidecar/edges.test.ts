// The sidecar's protocol edge cases, driven through fake nodes (fake-node.ts:
// docs/protocol.md over a real WebSocket server, the real engine behind it)
// that can die on cue: after a request ran but before its reply left, before
// it ran, or hang without closing anything. The client is the raw ZkClient
// over real TCP through the real sidecar; it must see none of it.

import t, { type Test } from 'tap'
import { once } from 'node:events'
import { connect } from 'node:net'
import { ZkClient, SessionExpiredError, type Reply } from '../../src/client'
import { CreateFlag, Err, EventType, OpCode } from '../../src/engine/codes'
import { startSidecar, type RunningSidecar } from '../../src/sidecar'
import { digestId } from '../../src/server/auth'
import { fourLetterWord } from '../support/fourlw'
import { FakeCluster, FakeNode, type Received } from './fake-node'
import { bytes, closedByServer, collect, create, getChildren, getData, setData, within } from '../conformance/helpers'

interface Setup {
  cluster: FakeCluster
  nodes: FakeNode[]
  sidecar: RunningSidecar
  address: string
  client(opts?: Parameters<typeof ZkClient.connect>[1]): Promise<ZkClient>
}

async function setup (t: Test, count = 2): Promise<Setup> {
  const cluster = new FakeCluster()
  const nodes: FakeNode[] = []
  for (let i = 0; i < count; i++) nodes.push(await new FakeNode(cluster).start())
  const sidecar = await startSidecar({ upstreams: nodes.map((n) => n.url), zkPort: 0 })
  const address = `127.0.0.1:${sidecar.zkPort}`
  const clients: ZkClient[] = []
  t.teardown(async () => {
    for (const c of clients) if (!c.closed) c.destroy()
    await sidecar.close()
    for (const n of nodes) n.kill()
    cluster.close()
  })
  return {
    cluster,
    nodes,
    sidecar,
    address,
    client: async (opts = {}) => {
      const c = await ZkClient.connect(address, { record: true, timeout: 4000, ...opts })
      clients.push(c)
      return c
    }
  }
}

function kinds (r: readonly Received[]): string[] {
  return r.map((m) => m.type)
}

/** Polls `cond` (a liveness guard, not a timing assertion). */
async function until (cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

t.test('create, get and a watch through the sidecar; a four-letter word comes from a node', async (t) => {
  const s = await setup(t, 1)
  const c = await s.client()
  t.equal((await create(c, '/a', 0, bytes('one'))).err, Err.OK)
  const got = await getData(c, '/a', true)
  t.same(got.body?.data, bytes('one'))
  const events = collect(c)
  t.equal((await setData(c, '/a', bytes('two'))).err, Err.OK)
  t.same(events.map((e) => [e.type, e.path]), [[EventType.NodeDataChanged, '/a']], 'the event came before the setData reply')
  t.same(kinds(s.nodes[0].received).slice(0, 1), ['CONNECT'])

  // fourLetterWord half-closes after the word, as `echo ruok | nc` does;
  // the answer, fetched from a node, must still arrive.
  const answer = await fourLetterWord('127.0.0.1', s.sidecar.zkPort, 'ruok')
  t.equal(answer, 'imok')
  t.equal(await fourLetterWord('127.0.0.1', s.sidecar.zkPort, 'srvr'), `fake srvr from ${s.nodes[0].port}\n`)
})

t.test('a node killed between requests: the client goes on, its watches still fire', async (t) => {
  const s = await setup(t)
  const c = await s.client()
  const other = await s.client() // on the second node
  t.equal((await create(c, '/w', 0, bytes('x'))).err, Err.OK)
  t.equal((await getData(c, '/w', true)).err, Err.OK, 'watch set on node 0')
  t.equal(s.nodes[0].connections(), 1)
  const events = collect(c)

  s.nodes[0].kill()
  t.equal((await setData(other, '/w', bytes('y'))).err, Err.OK, 'changed through the other node')
  await within(until(() => events.length === 1, 'the event'), 'the watch event after the failover')
  t.same(events.map((e) => [e.type, e.path]), [[EventType.NodeDataChanged, '/w']], 'fired exactly once')
  t.equal((await getData(c, '/w')).body?.data?.toString(), 'y', 'the client is served by the surviving node')
  t.notOk(c.closed, 'the client connection never closed')
  t.equal(s.sidecar.stats.resumes, 1)
  const resume = s.nodes[1].received.find((m) => m.type === 'RESUME')
  t.ok(resume !== undefined && resume.type === 'RESUME' && resume.sessionId === c.sessionId, 'RESUME carried the session id')
  t.ok(resume !== undefined && resume.type === 'RESUME' && resume.passwd.equals(c.passwd), 'RESUME carried the password')
})

t.test('node dies after running a request, before its reply: re-sent, applied once', async (t) => {
  const s = await setup(t)
  const c = await s.client()
  t.equal((await create(c, '/seq')).err, Err.OK)
  s.nodes[0].fate = ({ op }) => op === OpCode.create ? 'die-after' : 'run'
  const replies: Reply[] = []
  for (let i = 0; i < 3; i++) replies.push(await within(create(c, '/seq/n-', CreateFlag.PERSISTENT_SEQUENTIAL), `create ${i}`))
  t.same(replies.map((r) => r.err), [Err.OK, Err.OK, Err.OK])
  t.same(replies.map((r) => r.body), [{ path: '/seq/n-0000000000' }, { path: '/seq/n-0000000001' }, { path: '/seq/n-0000000002' }])
  const kids = (await getChildren(c, '/seq')).body?.children ?? []
  t.same([...kids].sort(), ['n-0000000000', 'n-0000000001', 'n-0000000002'], 'no create applied twice')
  t.equal(s.sidecar.stats.resumes, 1)
  t.ok(s.sidecar.stats.replayed >= 1, 'the unanswered create was re-sent')
  t.notOk(c.closed)
})

t.test('node dies on receiving a request, before running it: re-sent, applied once', async (t) => {
  const s = await setup(t)
  const c = await s.client({ autoPing: false })
  let armed = true
  s.nodes[0].fate = ({ op }) => {
    if (op !== OpCode.create || !armed) return 'run'
    armed = false
    return 'die-before'
  }
  // Pipelined: several requests in flight when the node dies.
  const replies = await within(Promise.all([create(c, '/p1'), create(c, '/p2'), create(c, '/p3'), getData(c, '/p1')]), 'the replies')
  t.same(replies.map((r) => r.err), [Err.OK, Err.OK, Err.OK, Err.OK], 'answered in order, none lost')
  t.equal(s.nodes[1].received.filter((m) => m.type === 'REQUEST' && m.op === OpCode.create).length, 3, 'all three creates were re-sent to the new node')
  t.same(s.nodes[1].received.slice(0, 6).map((m) => m.type === 'REQUEST' ? m.op : m.type),
    ['RESUME', OpCode.create, OpCode.create, OpCode.create, OpCode.getData, OpCode.ping],
    'RESUME, the replays in order, then a ping marking their end')
  t.equal(c.messages.filter((m) => m.kind === 'ping').length, 0, 'the client never sees a reply to a ping it did not send')
  t.notOk(c.closed)
})

t.test('auth packets are replayed after a failover, and their replies not repeated', async (t) => {
  const s = await setup(t)
  const c = await s.client()
  t.equal((await c.auth('digest', bytes('u:p'))).err, Err.OK)
  const acl = [{ perms: 31, id: { scheme: 'digest', id: digestId('u:p') } }]
  t.equal((await create(c, '/secret', 0, bytes('s'), acl)).err, Err.OK)
  s.nodes[0].kill()
  const got = await within(getData(c, '/secret'), 'getData after the failover')
  t.equal(got.err, Err.OK, 'still authenticated on the new node')
  t.equal(c.messages.filter((m) => m.kind === 'auth').length, 1, 'one auth reply, as the client sent one auth')
  const replayed = s.nodes[1].received.filter((m) => m.type === 'REQUEST')
  t.equal(replayed[0]?.type === 'REQUEST' ? replayed[0].xid : undefined, -4, 'the auth went first')
  const anyone = await s.client()
  t.equal((await getData(anyone, '/secret')).err, Err.NOAUTH, 'control: the ACL does bite')
})

t.test('a node that kept the identities (RESUMED flag 0x01) gets no auth packets replayed', async (t) => {
  const s = await setup(t)
  for (const n of s.nodes) n.keepsIdentities = true
  const c = await s.client({ localAddress: '127.0.0.2' })
  t.equal((await c.auth('digest', bytes('u:p'))).err, Err.OK)
  const acl = [{ perms: 31, id: { scheme: 'digest', id: digestId('u:p') } }]
  t.equal((await create(c, '/kept', 0, bytes('s'), acl)).err, Err.OK)
  s.nodes[0].kill()
  const got = await within(getData(c, '/kept'), 'getData after the failover')
  t.equal(got.err, Err.OK, 'still authenticated on the new node')
  t.same(s.nodes[1].received.flatMap((m) => m.type === 'REQUEST' && m.op !== OpCode.ping ? [m.op] : []), [OpCode.getData],
    'only the getData (and pings) reached the new node: no auth replayed')
  t.equal(c.messages.filter((m) => m.kind === 'auth').length, 1, 'one auth reply, as the client sent one auth')
  const connect = s.nodes[0].received.find((m) => m.type === 'CONNECT')
  const resume = s.nodes[1].received.find((m) => m.type === 'RESUME')
  const o = connect?.origin
  t.ok(o !== undefined, 'CONNECT carries the client origin')
  t.equal(o?.address, '127.0.0.2', "with the client's address")
  t.equal(o?.port, c.localPort, "and port")
  t.ok(resume?.origin?.link.equals(o?.link ?? Buffer.alloc(0)), 'RESUME names the same link')
  t.equal(o?.attempt, 1, 'the CONNECT is the link\'s try 1')
  t.equal(resume?.origin?.attempt, 2, 'the RESUME its try 2: a later try, so the node\'s attach can refuse an earlier one that runs late')
  const other = await s.client()
  const o2 = s.nodes.flatMap((n) => n.received).filter((m) => m.type === 'CONNECT').map((m) => m.origin?.link.toString('hex'))
  t.equal(new Set(o2).size, 2, 'another client connection has another link')
  other.destroy()
})

t.test('a hung node (no close, no pongs) is given up for another one', async (t) => {
  const s = await setup(t)
  const c = await s.client({ timeout: 2000 })
  t.equal((await create(c, '/h')).err, Err.OK)
  s.nodes[0].fate = ({ op }) => op === OpCode.setData ? 'hang' : 'run'
  const r = await within(setData(c, '/h', bytes('z')), 'the reply after the hung node was dropped')
  t.equal(r.err, Err.OK)
  t.equal(s.sidecar.stats.resumes, 1)
  t.notOk(c.closed)
})

t.test('a node that takes RESUME but never answers is passed over for the next', async (t) => {
  const s = await setup(t, 3)
  const c = await s.client({ timeout: 2000 })
  t.equal((await create(c, '/r')).err, Err.OK)
  s.nodes[1].hangOnResume = true
  s.nodes[0].kill()
  t.equal((await within(getData(c, '/r'), 'a reply after the failover')).err, Err.OK)
  t.ok(s.nodes[1].received.some((m) => m.type === 'RESUME'), 'node 1 was tried first')
  t.ok(s.nodes[2].received.some((m) => m.type === 'RESUME'), 'then node 2')
  t.equal(s.sidecar.stats.resumes, 1)
  t.notOk(c.closed)
})

t.test('EXPIRED in answer to RESUME: the client connection is closed', async (t) => {
  const s = await setup(t)
  const c = await s.client()
  t.equal((await create(c, '/x')).err, Err.OK)
  s.cluster.store.deleteSession(c.sessionId) // gone while the client was away from it
  s.nodes[0].kill()
  await closedByServer(c)
  t.ok(s.nodes[1].received.some((m) => m.type === 'RESUME'))
  t.equal(s.sidecar.stats.expired, 1)
  t.equal(s.sidecar.stats.resumes, 0)
})

t.test('client closes its TCP connection: the node gets DETACH', async (t) => {
  const s = await setup(t, 1)
  const c = await s.client()
  t.equal((await getData(c, '/', true)).err, Err.OK)
  c.destroy()
  await within(until(() => s.nodes[0].received.some((m) => m.type === 'DETACH'), 'DETACH'), 'DETACH at the node')
  t.same(kinds(s.nodes[0].received), ['CONNECT', 'REQUEST', 'DETACH'])
  t.ok(s.cluster.store.getSession(c.sessionId) !== undefined, 'the session lives on')
})

t.test('closeSession: the reply, then the sidecar closes the client', async (t) => {
  const s = await setup(t, 1)
  const c = await s.client()
  const r = await c.close()
  t.equal(r.err, Err.OK)
  t.equal(s.cluster.store.getSession(c.sessionId), undefined, 'the session is gone')
  t.notOk(s.nodes[0].received.some((m) => m.type === 'DETACH'), 'no DETACH after closeSession')
})

t.test('no node comes back within the session timeout: the client is closed, then learns its session expired', async (t) => {
  const s = await setup(t)
  const c = await s.client({ timeout: 2000 })
  t.equal((await create(c, '/eph', CreateFlag.EPHEMERAL)).err, Err.OK)
  const port0 = s.nodes[0].port
  for (const n of s.nodes) n.kill()
  t.ok((await within(c.ping(), 'a ping answered while no node is attached')).xid === -2, 'pings are answered meanwhile')
  await closedByServer(c)
  t.equal(s.sidecar.stats.gaveUp, 1)
  await until(() => s.cluster.store.getSession(c.sessionId) === undefined, 'the session to expire in the cluster')
  await s.nodes[0].start(port0)
  await t.rejects(ZkClient.connect(s.address, { sessionId: c.sessionId, passwd: c.passwd, timeout: 2000 }), SessionExpiredError)
})

t.test('nodes back before the session timeout: the session resumes, ephemerals kept', async (t) => {
  const s = await setup(t, 1)
  const c = await s.client({ timeout: 6000 })
  t.equal((await create(c, '/keep', CreateFlag.EPHEMERAL)).err, Err.OK)
  const port = s.nodes[0].port
  s.nodes[0].kill()
  const pending = create(c, '/during')
  await new Promise((resolve) => setTimeout(resolve, 300))
  await s.nodes[0].start(port)
  t.equal((await within(pending, 'the create sent while no node was up')).err, Err.OK)
  t.equal((await getData(c, '/keep')).err, Err.OK)
  t.notOk(c.closed)
  t.equal(s.sidecar.stats.resumes, 1)
})

t.test('the first upstream is down: the handshake goes to the next one', async (t) => {
  const s = await setup(t)
  s.nodes[0].kill()
  const c = await s.client()
  t.equal((await create(c, '/b')).err, Err.OK)
  t.equal(s.nodes[1].received[0]?.type, 'CONNECT')
})

t.test('resuming an expired session through the sidecar: the expired answer, then close', async (t) => {
  const s = await setup(t, 1)
  await t.rejects(ZkClient.connect(s.address, { sessionId: 12345, passwd: Buffer.alloc(16), timeout: 2000 }), SessionExpiredError)
})

t.test('a bad frame closes that client only', async (t) => {
  const s = await setup(t, 1)
  const good = await s.client()
  const bad = connect(s.sidecar.zkPort, '127.0.0.1')
  await once(bad, 'connect')
  bad.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))
  await within(once(bad, 'close'), 'the sidecar to close the bad connection')
  t.equal((await create(good, '/still')).err, Err.OK, 'the other client is still served')
})
