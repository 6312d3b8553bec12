import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { fourLetterWord } from '../support/fourlw'
import { targets, type Server, type TargetName } from '../support/targets'
import { entriesOf, linesOf, shapesOf, squeeze } from './shapes'

// All fifteen four-letter words, held line by line to real ZooKeeper 3.8.0:
// the same sessions, watches of every kind and ephemerals are set up on
// ZooKeeper, the embedded server and node1 (sidecar → node → Redis, the
// words through the sidecar's client port); then each word's answer is cut
// into line shapes (shapes.ts) and redkeeper's must be ZooKeeper's. Where
// the state is the same on both, the content is compared too, with session
// ids replaced by the test's names for them.

t.setTimeout(120_000)

const WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'envi', 'srst', 'wchs', 'wchc', 'wchp', 'dump', 'isro', 'dirs'] as const
const ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

interface Answers {
  text: Map<string, string>
  /** "0x<session>" → a, b, c */
  names: Map<string, string>
}

/**
 * Three sessions: a (timeout 10 s) owns /e1 and /e2 and watches /p's data;
 * b (6 s) owns /e3, watches the missing /nothere (an exists watch), the
 * root's children, and had a data watch on /p/q that its own setData fired;
 * c (20 s) holds a persistent watch on /p and a recursive one on /p/q.
 */
async function setUp (server: Server): Promise<{ clients: ZkClient[], names: Map<string, string> }> {
  const [a, b, c] = await Promise.all([10000, 6000, 20000].map((timeout) => ZkClient.connect(server.address, { timeout })))
  const ok = async (cl: ZkClient, req: Parameters<ZkClient['request']>[0]): Promise<void> => {
    const r = await cl.request(req)
    if (r.err !== Err.OK && !(req.type === OpCode.exists && r.err === Err.NONODE)) throw new Error(`setup: ${OpCode[req.type]} failed with ${r.err}`)
  }
  const create = (cl: ZkClient, path: string, flags: number): Promise<void> =>
    ok(cl, { type: OpCode.create, path, data: Buffer.from('x'), dataLength: 1, acl: ACL, flags })
  await create(a, '/p', 0)
  await create(a, '/p/q', 0)
  await create(a, '/e1', 1)
  await create(a, '/e2', 1)
  await create(b, '/e3', 1)
  await ok(a, { type: OpCode.getData, path: '/p', watch: true })
  await ok(b, { type: OpCode.exists, path: '/nothere', watch: true })
  await ok(b, { type: OpCode.getChildren, path: '/', watch: true })
  await ok(c, { type: OpCode.addWatch, path: '/p', mode: 0 })
  await ok(c, { type: OpCode.addWatch, path: '/p/q', mode: 1 })
  await ok(b, { type: OpCode.getData, path: '/p/q', watch: true })
  await ok(b, { type: OpCode.setData, path: '/p/q', data: Buffer.from('y'), dataLength: 1, version: -1 })
  const names = new Map([[a, 'a'], [b, 'b'], [c, 'c']].map(([cl, n]) => [`0x${(cl as ZkClient).sessionIdBig.toString(16)}`, n as string]))
  return { clients: [a, b, c], names }
}

async function answersOf (name: TargetName, start: () => Promise<Server>): Promise<Answers> {
  const server = await start()
  try {
    const { clients, names } = await setUp(server)
    const text = new Map<string, string>()
    try {
      for (const w of WORDS) text.set(w, await fourLetterWord(server.host, server.port, w))
    } finally {
      for (const cl of clients) cl.destroy()
    }
    return { text, names }
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`, { cause: err })
  } finally {
    await server.stop()
  }
}

const all = targets({ names: ['zookeeper', 'redkeeper', 'node1'] })
const answers = Promise.all(all.map((x) => answersOf(x.name, () => x.start())))

/** session ids → the test's names, others → "?" */
function namer (names: Map<string, string>): (s: string) => string {
  return (s) => s.replace(/0x[0-9a-f]+/g, (id) => names.get(id) ?? '?')
}

/** Lines repeated once per connection, session, path or bucket. */
const REPEATED = new Set(['cnxn', 'session', 'path', 'owner', 'bucket'])
/** cons lists connections with and without a session in hash order */
const SAME = { 'cnxn+session': 'cnxn' }

for (const [i, target] of all.entries()) {
  if (target.name === 'zookeeper') continue
  t.test(`${target.name} answers every word in ZooKeeper 3.8's layout`, async (t) => {
    const got = await answers
    const zk = got[0]
    const us = got[i]
    for (const w of WORDS) {
      const theirs = zk.text.get(w) ?? ''
      const ours = us.text.get(w) ?? ''
      t.equal(ours.endsWith('\n'), theirs.endsWith('\n'), `${w}: ends with a newline exactly when ZooKeeper's does`)
      if (w === 'ruok' || w === 'isro') {
        t.equal(ours, theirs, w)
        continue
      }
      const zkShapes = shapesOf(w, theirs)
      const ourShapes = shapesOf(w, ours)
      t.same(zkShapes.filter((s) => s.startsWith('?')), [], `${w}: the shapes describe every line of ZooKeeper's answer`)
      if (w === 'mntr') {
        // ZooKeeper adds some 300 metrics-provider keys; ours are the
        // classic ones, each under ZooKeeper's name, plus zk_redkeeper_*.
        const known = new Set(zkShapes)
        t.same(ourShapes.filter((k) => !known.has(k) && !k.startsWith('zk_redkeeper_')), [], 'mntr: every key is one ZooKeeper prints')
        for (const k of ['zk_version', 'zk_server_state', 'zk_ephemerals_count', 'zk_num_alive_connections', 'zk_avg_latency', 'zk_outstanding_requests',
          'zk_znode_count', 'zk_global_sessions', 'zk_packets_sent', 'zk_packets_received', 'zk_watch_count', 'zk_auth_failed_count',
          'zk_min_latency', 'zk_max_latency', 'zk_approximate_data_size', 'zk_local_sessions', 'zk_uptime']) t.ok(ourShapes.includes(k), `mntr has ${k}`)
        t.same(ourShapes.slice(0, 8), zkShapes.slice(0, 8), 'mntr: the first keys in ZooKeeper\'s order')
        continue
      }
      t.same(squeeze(ourShapes, REPEATED, SAME), squeeze(zkShapes, REPEATED, SAME), `${w}: line shapes`)
      // (a node's `cons` has no line for the asking connection: the word
      // reaches the node over HTTP, not as one of its client connections)
      t.same(ourShapes.filter((s) => !zkShapes.includes(s)), [], `${w}: only kinds of line ZooKeeper prints`)
    }

    // Same state, same content (ids named): ZooKeeper's data-watch table
    // holds getData and exists watches and the data half of persistent and
    // recursive ones, never child watches; a fired one-shot watch is gone.
    const name = namer(us.names)
    const zkName = namer(zk.names)
    t.equal(us.text.get('wchs'), zk.text.get('wchs'), 'wchs: the same counts')
    t.equal(us.text.get('wchs'), '3 connections watching 3 paths\nTotal watches:4\n')
    const wchc = (a: Answers, n: (s: string) => string): string[] => entriesOf(linesOf(a.text.get('wchc') ?? ''), (l) => l.startsWith('0x'), n)
    t.same(wchc(us, name), wchc(zk, zkName), 'wchc: each session with its paths')
    t.same(wchc(us, name), ['a: /p', 'b: /nothere', 'c: /p, /p/q'])
    const wchp = (a: Answers, n: (s: string) => string): string[] => entriesOf(linesOf(a.text.get('wchp') ?? ''), (l) => l.startsWith('/'), n)
    t.same(wchp(us, name), wchp(zk, zkName), 'wchp: each path with its sessions')

    const dump = linesOf(us.text.get('dump') ?? '')
    const zkDump = linesOf(zk.text.get('dump') ?? '')
    const section = (lines: string[], from: string, to: string): string[] => lines.slice(lines.indexOf(from) + 1, lines.indexOf(to))
    // ZooKeeper's ExpiryQueue keeps a bucket its sessions have moved out of
    // until the bucket's time comes ("0 expire at ..."); ours lists the
    // buckets that hold sessions, so only those are compared.
    const sessionSets = (lines: string[], n: (s: string) => string): string[] =>
      section(lines, 'SessionTracker dump:', 'ephemeral nodes dump:')
        .filter((l) => !l.startsWith('0 expire at ') && !l.startsWith('Session Sets ('))
        .map((l) => n(l.replace(/expire at .*:$/, 'expire at …:')))
    t.same(sessionSets(dump, name), sessionSets(zkDump, zkName), 'dump: the session sets, in expiry order (b 6 s, a 10 s, c 20 s)')
    const owners = (lines: string[], n: (s: string) => string): string[] =>
      entriesOf(section(lines, 'ephemeral nodes dump:', 'Connections dump:'), (l) => /^0x[0-9a-f]+:$/.test(l), (s) => n(s).replace(/:$/, ''))
    t.same(owners(dump, name), owners(zkDump, zkName), 'dump: the ephemerals by session')
    t.same(owners(dump, name), ['a: /e1, /e2', 'b: /e3'])
  })
}
