import t, { type Test } from 'tap'
import { MODE, NodeZk, codeOf } from '../support/nodezk'
import { settlesWithin, sleep } from '../support/proc'
import { startRedkeeper } from '../support/redkeeper'
import { startZooKeeper } from '../support/zookeeper'

// kill -9 in the middle of a stream of concurrent writes, restart on the same
// data, and demand every ACKNOWLEDGED write back exactly (data and version).
// A write that was in flight at the kill may or may not have happened, but
// only as a whole. Real ZooKeeper is the control: it must pass too.

interface Crashable {
  address: string
  kill9(): Promise<void>
  restart(): Promise<Crashable>
  stop(): Promise<void>
}

interface CrashTarget {
  name: string
  start(): Promise<Crashable>
}

function wrapZk (h: Awaited<ReturnType<typeof startZooKeeper>>): Crashable {
  return { address: h.address, kill9: () => h.kill(), restart: async () => wrapZk(await h.restart()), stop: () => h.stop() }
}
function wrapRk (h: Awaited<ReturnType<typeof startRedkeeper>>): Crashable {
  return { address: h.address, kill9: () => h.kill9(), restart: async () => wrapRk(await h.restart()), stop: () => h.destroy() }
}

const crashTargets: CrashTarget[] = [
  { name: 'zookeeper', start: async () => wrapZk(await startZooKeeper()) },
  { name: 'redkeeper', start: async () => wrapRk(await startRedkeeper()) }
]

const ROOT = '/crash'
const CLIENTS = 4
const LOOPS_PER_CLIENT = 4
const ACKS_BEFORE_KILL = 400
const MIN_ACKS = 20

/** What a znode must look like: absent, or this data at this version. */
type State = { data: string, version: number } | 'absent'

interface PathRecord {
  acked: State
  /** The one write in flight when the server died, if any. */
  pending?: State
}

/** Every path ever written, grouped into all-or-nothing units (multi). */
class Ledger {
  readonly paths = new Map<string, PathRecord>()
  readonly groups: string[][] = []
  acks = 0

  begin (path: string, next: State): void {
    const r = this.paths.get(path)
    if (r === undefined) this.paths.set(path, { acked: 'absent', pending: next })
    else r.pending = next
  }

  ack (path: string): void {
    const r = this.paths.get(path)
    if (r?.pending === undefined) throw new Error(`ack without a pending write: ${path}`)
    r.acked = r.pending
    delete r.pending
  }
}

function payload (path: string, k: number): string {
  // Mostly small values, now and then a large one, so recovery handles both.
  return k % 11 === 5 ? `${path}#${k}:` + 'x'.repeat(20_000) : `${path}#${k}`
}

/** One sequential write loop; stops at the first error (the kill). */
async function writeLoop (zk: NodeZk, prefix: string, ledger: Ledger, stop: { now: boolean }): Promise<void> {
  const mine: Array<{ path: string, version: number }> = []
  for (let k = 0; !stop.now; k++) {
    try {
      if (k % 3 === 2 && mine.length > 0) {
        const node = mine[k % mine.length] as { path: string, version: number }
        const data = payload(node.path, k)
        ledger.begin(node.path, { data, version: node.version + 1 })
        const stat = await zk.setData(node.path, Buffer.from(data), node.version)
        ledger.ack(node.path)
        node.version = stat.version
      } else if (k % 7 === 6) {
        // A multi: both nodes or neither, whatever the moment of the kill.
        const a = `${prefix}-${k}-a`
        const b = `${prefix}-${k}-b`
        ledger.begin(a, { data: payload(a, k), version: 0 })
        ledger.begin(b, { data: payload(b, k), version: 0 })
        ledger.groups.push([a, b])
        await zk.multi((tx) => tx.create(a, Buffer.from(payload(a, k))).create(b, Buffer.from(payload(b, k))))
        ledger.ack(a)
        ledger.ack(b)
      } else {
        const path = `${prefix}-${k}`
        const data = payload(path, k)
        ledger.begin(path, { data, version: 0 })
        await zk.create(path, Buffer.from(data))
        ledger.ack(path)
        mine.push({ path, version: 0 })
      }
      ledger.acks++
    } catch {
      return
    }
  }
}

async function readState (zk: NodeZk, path: string): Promise<State> {
  try {
    const { data, stat } = await zk.getData(path)
    return { data: data?.toString() ?? '', version: stat.version }
  } catch (err) {
    if ((err as { code?: number }).code === -101) return 'absent'
    throw err
  }
}

const same = (a: State, b: State): boolean =>
  a === 'absent' || b === 'absent' ? a === b : a.data === b.data && a.version === b.version

const show = (s: State | undefined): string =>
  s === undefined ? '-' : s === 'absent' ? 'absent' : `v${s.version} ${s.data.length > 60 ? s.data.slice(0, 60) + '…' : s.data}`

/** Runs writers until enough writes are acknowledged, then kill -9 mid-stream. */
async function writeThenCrash (t: Test, server: Crashable, round: number, ledger: Ledger): Promise<void> {
  const clients: NodeZk[] = []
  for (let c = 0; c < CLIENTS; c++) clients.push(await NodeZk.connect(server.address))
  const stop = { now: false }
  const before = ledger.acks
  const loops = clients.flatMap((zk, c) =>
    Array.from({ length: LOOPS_PER_CLIENT }, (_, l) => writeLoop(zk, `${ROOT}/r${round}-c${c}-l${l}`, ledger, stop)))

  const deadline = Date.now() + 20_000
  while (ledger.acks - before < ACKS_BEFORE_KILL && Date.now() < deadline) await sleep(5)
  await server.kill9()
  stop.now = true
  // The kill dropped every connection, so every in-flight write has failed
  // by now or is about to. Stop the clients from reconnecting later.
  const settled = await settlesWithin(Promise.all(loops), 15_000)
  for (const zk of clients) zk.abandon()
  t.ok(settled, 'every writer saw its connection fail')
  const acked = ledger.acks - before
  t.ok(acked >= MIN_ACKS, `round ${round}: ${acked} writes acknowledged before the kill`)
}

async function verify (t: Test, server: Crashable, ledger: Ledger, round: number): Promise<void> {
  const zk = await NodeZk.connect(server.address)
  let bad = 0
  let inFlightApplied = 0
  let inFlightLost = 0
  const found = new Map<string, State>()
  for (const [path, rec] of ledger.paths) {
    const got = await readState(zk, path)
    found.set(path, got)
    if (same(got, rec.acked)) {
      if (rec.pending !== undefined) inFlightLost++
      continue
    }
    if (rec.pending !== undefined && same(got, rec.pending)) {
      inFlightApplied++
      continue
    }
    if (bad++ < 10) t.fail(`${path}: found ${show(got)}, acknowledged ${show(rec.acked)}, in flight ${show(rec.pending)}`)
  }
  t.equal(bad, 0, `round ${round}: all ${ledger.paths.size} paths hold their acknowledged state (in-flight writes: ${inFlightApplied} applied, ${inFlightLost} lost)`)

  let split = 0
  for (const group of ledger.groups) {
    const present = group.map((p) => found.get(p) !== 'absent')
    if (present.some((x) => x !== present[0])) {
      split++
      t.fail(`multi ${group.join(' + ')} was half applied: ${present.join(', ')}`)
    }
  }
  t.equal(split, 0, `round ${round}: all ${ledger.groups.length} multis are all-or-nothing`)

  // Nothing appears that nobody wrote.
  const { children } = await zk.getChildren(ROOT)
  const known = new Set([...ledger.paths.keys()].map((p) => p.slice(ROOT.length + 1)))
  const strays = children.filter((c) => !known.has(c) && !c.startsWith('sess-'))
  t.same(strays, [], 'no unknown znodes')
  await zk.close()
}

for (const target of crashTargets) {
  t.test(target.name, async (t) => {
    let server = await target.start()
    t.teardown(() => server.stop())
    const setup = await NodeZk.connect(server.address)
    await setup.create(ROOT, Buffer.from('root'))
    await setup.close()

    // Sessions: one that will be resumed after the restart, and a short one
    // that will not (its ephemeral must go when it expires after restart).
    const kept = await NodeZk.connect(server.address, { sessionTimeout: 30_000 })
    await kept.create(`${ROOT}/sess-kept`, Buffer.from('kept'), MODE.EPHEMERAL)
    const keptId = kept.sessionId
    const keptPasswd = kept.sessionPassword
    kept.abandon()
    const lapsed = await NodeZk.connect(server.address, { sessionTimeout: 4_000 })
    await lapsed.create(`${ROOT}/sess-lapsed`, Buffer.from('lapsed'), MODE.EPHEMERAL)
    lapsed.abandon()

    const ledger = new Ledger()
    for (let round = 1; round <= 2; round++) {
      await t.test(`round ${round}: kill -9 mid-stream, restart, check`, async (t) => {
        await writeThenCrash(t, server, round, ledger)
        server = await server.restart()
        await verify(t, server, ledger, round)
      })
    }

    await t.test('sessions survive the restarts', async (t) => {
      const resumed = await NodeZk.connect(server.address, { sessionId: keptId, sessionPassword: keptPasswd })
      t.equal(resumed.sessionIdHex, keptId.toString('hex'), 'the session was resumed, not replaced')
      const stat = await resumed.exists(`${ROOT}/sess-kept`)
      t.equal(stat?.ephemeralOwner.toString('hex'), keptId.toString('hex'), 'its ephemeral is still there')
      await resumed.close()
      const observer = await NodeZk.connect(server.address)
      t.teardown(() => observer.close())
      t.equal(await observer.exists(`${ROOT}/sess-kept`), null, 'and goes when the session is closed')

      // The short session was never resumed: it must expire (ZooKeeper
      // restarts session clocks on recovery, so allow a few timeouts).
      const deadline = Date.now() + 30_000
      while (await observer.exists(`${ROOT}/sess-lapsed`) !== null && Date.now() < deadline) await sleep(250)
      t.equal(await observer.exists(`${ROOT}/sess-lapsed`), null, 'the unresumed session expired and took its ephemeral')
      t.equal(await codeOf(NodeZk.connect(server.address, { sessionId: keptId, sessionPassword: keptPasswd, timeoutMs: 10_000 })), -112, 'a closed session cannot be resumed')
    })
  })
}
