/**
 * npm run test:hbase — real HBase 2.5 (2 masters, 2 region servers) first on
 * a real Apache ZooKeeper 3.8 (control), then on redkeeper (each JVM → its
 * own sidecar → 2 nodes → Redis), through the same scenarios; prints one
 * table of step times and exits 1 if any step failed.
 *
 * Env: HBASE_TARGETS=zookeeper,redkeeper (default both), HBASE_SCENARIOS=1,2,…
 * (default all; 1 always runs since the others need its cluster),
 * HBASE_KEEP=1 keeps the cluster dirs (logs) for inspection.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep } from '../support/proc'
import { startNode, startRedis, startSidecar, type NodeHandle, type RedisHandle, type SidecarHandle } from '../support/topology'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'
import { HBaseJvm, hbaseCheck, prepareHBase, type CheckResult, type HBaseKit, type Role } from './hbase'
import { readHBaseZnodes, type HBaseZnodes } from './znodes'

const SESSION_TIMEOUT_MS = 10_000
const TABLE = 'rk_hbase'
const ROWS = 1000

type Target = 'zookeeper' | 'redkeeper'

/** Where each HBase JVM (and each check client) finds "ZooKeeper". */
interface Coordinator {
  /** the ZooKeeper address for the JVM/client called label (same label → same address) */
  connectString(label: string): Promise<string>
  /** the service nodes (redkeeper only) */
  nodes?: NodeHandle[]
  /** the node the sidecar of label tries first (redkeeper only) */
  primaryNode?(label: string): NodeHandle | undefined
  stop(): Promise<void>
}

async function zookeeperCoordinator (): Promise<Coordinator> {
  const zk: ZooKeeperHandle = await startZooKeeper()
  return { connectString: async () => zk.address, stop: () => zk.stop() }
}

async function redkeeperCoordinator (dir: string): Promise<Coordinator> {
  const redis: RedisHandle = await startRedis()
  const nodes = [await startNode(redis.url), await startNode(redis.url)]
  const sidecars = new Map<string, SidecarHandle>()
  const primary = new Map<string, NodeHandle>()
  return {
    nodes,
    primaryNode: (label) => primary.get(label),
    async connectString (label) {
      let s = sidecars.get(label)
      if (s === undefined) {
        // Half the sidecars try node 0 first, half node 1: killing either
        // node moves some HBase sessions.
        const order = sidecars.size % 2 === 1 ? [...nodes].reverse() : nodes
        s = await startSidecar(order.map((n) => n.url))
        primary.set(label, order[0])
        sidecars.set(label, s)
      }
      return s.address
    },
    async stop () {
      // The node and sidecar logs go next to HBase's (kept with HBASE_KEEP=1).
      nodes.forEach((n, i) => copyLog(n.logFile, join(dir, `node${i}.log`)))
      for (const [label, s] of sidecars) copyLog(s.logFile, join(dir, `sidecar-${label}.log`))
      for (const s of sidecars.values()) await s.stop()
      for (const n of nodes) await n.stop()
      await redis.stop()
    }
  }
}

function copyLog (from: string, to: string): void {
  if (existsSync(from)) copyFileSync(from, to)
}

interface StepResult { ok: boolean, ms: number, note: string }
const table = new Map<string, Partial<Record<Target, StepResult>>>()
let failures = 0

function record (target: Target, step: string, r: StepResult): void {
  const row = table.get(step) ?? {}
  row[target] = r
  table.set(step, row)
  if (!r.ok) failures++
  console.error(`[${target}] ${r.ok ? 'PASS' : 'FAIL'} ${step} (${(r.ms / 1000).toFixed(1)} s)${r.note !== '' ? ': ' + r.note : ''}`)
}

class StepFailed extends Error {}

/** Times fn; a thrown error fails the step (and, via StepFailed, ends the run on this target). */
async function step (target: Target, name: string, fn: () => Promise<string | undefined>): Promise<void> {
  const t0 = Date.now()
  try {
    const note = await fn()
    record(target, name, { ok: true, ms: Date.now() - t0, note: note ?? '' })
  } catch (err) {
    record(target, name, { ok: false, ms: Date.now() - t0, note: (err as Error).message.split('\n')[0] })
    console.error((err as Error).message)
    throw new StepFailed(name)
  }
}

function must (r: CheckResult, what: string): CheckResult {
  if (!r.ok) throw new Error(`${what}: ${r.error ?? JSON.stringify(r)}`)
  return r
}

async function until<T> (what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown = null
  for (;;) {
    try {
      const v = await probe()
      if (v !== null) return v
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last !== null ? ` (last error: ${String(last)})` : ''}`)
    await sleep(200)
  }
}

class Cluster {
  readonly jvms = new Map<string, HBaseJvm>()
  constructor (readonly kit: HBaseKit, readonly coord: Coordinator, readonly dir: string) {}

  async jvm (role: Role, label: string): Promise<HBaseJvm> {
    let j = this.jvms.get(label)
    if (j === undefined) {
      j = new HBaseJvm(this.kit, { role, label, zk: await this.coord.connectString(label), clusterDir: this.dir, sessionTimeoutMs: SESSION_TIMEOUT_MS })
      this.jvms.set(label, j)
    }
    return j
  }

  async check (args: string[], label = 'client'): Promise<CheckResult> {
    return hbaseCheck(this.kit, await this.coord.connectString(label), args)
  }

  async znodes (): Promise<HBaseZnodes> {
    return readHBaseZnodes(await this.coord.connectString('inspector'))
  }

  /** Fails fast with the log's tail if an HBase JVM died when it should not have. */
  assertAlive (labels: string[]): void {
    for (const l of labels) {
      const j = this.jvms.get(l)
      if (j !== undefined && !j.running) throw new Error(`${l} exited unexpectedly\n--- ${j.logFile} ---\n${j.tail()}`)
    }
  }

  async killAll (): Promise<void> {
    for (const j of this.jvms.values()) await j.kill9()
  }
}

/** The master's ServerName port, from "localhost,port,startcode". */
const portOf = (sn: string | null | undefined): number => Number((sn ?? '').split(',')[1])

async function coldStart (target: Target, c: Cluster, rsCount: number): Promise<void> {
  const m1 = await c.jvm('master', 'master1')
  const m2 = await c.jvm('master', 'master2')
  const rs = [await c.jvm('regionserver', 'rs1'), await c.jvm('regionserver', 'rs2')]
  await step(target, '1 cold start: masters + RS up, meta assigned', async () => {
    await m1.start()
    // m1 first so it wins the election: the runner then knows which to kill.
    await until('master1 at /hbase/master', 90_000, async () => {
      c.assertAlive(['master1'])
      const z = await c.znodes()
      return portOf(z.master?.server) === m1.port ? true : null
    })
    await m2.start()
    for (const r of rs) await r.start()
    must(await c.check(['wait-ready', String(rsCount), '150000']), 'wait-ready')
    const z = await until('znodes: 1 backup master, 2 RS, meta location', 60_000, async () => {
      c.assertAlive(['master1', 'master2', 'rs1', 'rs2'])
      const z = await c.znodes()
      return z.backupMasters.length === 1 && z.rs.length === rsCount && z.metaRegionServer?.server != null ? z : null
    })
    if (portOf(z.backupMasters[0]) !== m2.port) throw new Error(`backup master is ${z.backupMasters[0]}, expected port ${m2.port}`)
    const rsPorts = z.rs.map(portOf).sort()
    if (JSON.stringify(rsPorts) !== JSON.stringify(rs.map((r) => r.port).sort())) throw new Error(`/hbase/rs is ${z.rs.join(' ')}`)
    if (!z.rs.includes(z.metaRegionServer?.server ?? '')) throw new Error(`meta on ${z.metaRegionServer?.server}, not a live RS (${z.rs.join(' ')})`)
    return `master ${z.master?.server}, meta on ${z.metaRegionServer?.server}`
  })
  await step(target, '1 create table, put 1000 rows, read back', async () => {
    must(await c.check(['create', TABLE]), 'create')
    must(await c.check(['put', TABLE, String(ROWS)]), 'put')
    const v = must(await c.check(['verify', TABLE, String(ROWS), '30000']), 'verify')
    return `${String(v.rows)} rows`
  })
}

async function rsDeath (target: Target, c: Cluster): Promise<void> {
  const before = await c.znodes()
  // The RS holding hbase:meta: its death makes the master recover meta too.
  const victimSn = before.metaRegionServer?.server ?? before.rs[0]
  const victim = [...c.jvms.values()].find((j) => j.spec.role === 'regionserver' && j.port === portOf(victimSn))
  if (victim === undefined) throw new Error(`no RS JVM for ${victimSn}`)
  const t0 = Date.now()
  await victim.kill9()
  await step(target, '2 RS kill -9 → its /hbase/rs ephemeral gone', async () => {
    await until('rs ephemeral removed', 60_000, async () => (await c.znodes()).rs.includes(victimSn) ? null : true)
    return `${victim.spec.label} (${victimSn}), ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill (session timeout ${SESSION_TIMEOUT_MS / 1000} s)`
  })
  await step(target, '2 RS kill -9 → all 1000 rows readable', async () => {
    must(await c.check(['verify', TABLE, String(ROWS), '150000']), 'verify')
    const s = must(await c.check(['status']), 'status')
    c.assertAlive(['master1', 'master2'])
    return `${((Date.now() - t0) / 1000).toFixed(1)} s from kill; live RS now ${JSON.stringify(s.liveServers)}`
  })
}

async function masterFailover (target: Target, c: Cluster): Promise<void> {
  const m1 = await c.jvm('master', 'master1')
  const m2 = await c.jvm('master', 'master2')
  const t0 = Date.now()
  await m1.kill9()
  await step(target, '3 master kill -9 → standby active at /hbase/master', async () => {
    await until('master2 at /hbase/master', 120_000, async () => {
      c.assertAlive(['master2'])
      return portOf((await c.znodes()).master?.server) === m2.port ? true : null
    })
    return `${((Date.now() - t0) / 1000).toFixed(1)} s from kill`
  })
  await step(target, '3 after failover: status, writes and reads', async () => {
    const s = must(await c.check(['wait-ready', '1', '150000']), 'wait-ready')
    if (portOf(s.master as string) !== m2.port) throw new Error(`HBase reports master ${String(s.master)}`)
    must(await c.check(['put', TABLE, String(ROWS)]), 'put')
    must(await c.check(['verify', TABLE, String(ROWS), '30000']), 'verify')
    return `${((Date.now() - t0) / 1000).toFixed(1)} s from kill to serving`
  })
}

const TROUBLE = /Session expired|SessionExpired|ABORTING region server|Master server abort|\bExpired\b/

async function nodeDeath (target: Target, c: Cluster): Promise<void> {
  const nodes = c.coord.nodes
  if (nodes === undefined) {
    record(target, '4 service node kill -9 under load: HBase sees nothing', { ok: true, ms: 0, note: 'n/a (ZooKeeper has no service node)' })
    return
  }
  await step(target, '4 service node kill -9 under load: HBase sees nothing', async () => {
    const live = [...c.jvms.values()].filter((j) => j.running)
    // Kill the node a live region server's session went through first, so
    // the kill really moves HBase sessions (not just idle sidecars).
    const rs = live.find((j) => j.spec.role === 'regionserver')
    const victim = (rs !== undefined ? c.coord.primaryNode?.(rs.spec.label) : undefined) ?? nodes[0]
    const moved = live.filter((j) => c.coord.primaryNode?.(j.spec.label) === victim).map((j) => j.spec.label)
    const before = await c.znodes()
    const logLen = new Map(live.map((j) => [j.spec.label, j.log().length]))
    const load = c.check(['load', TABLE, '20000'], 'loader')
    await sleep(6000)
    await victim.kill9()
    const l = await load
    const after = await c.znodes()
    await victim.restart()
    if (!l.ok) throw new Error(`load saw errors: ${JSON.stringify(l)}`)
    c.assertAlive(live.map((j) => j.spec.label))
    if (JSON.stringify(after.rs) !== JSON.stringify(before.rs)) throw new Error(`/hbase/rs changed: ${before.rs.join(' ')} → ${after.rs.join(' ')}`)
    if (after.master?.server !== before.master?.server || after.master?.ephemeralOwner !== before.master?.ephemeralOwner) {
      throw new Error(`/hbase/master changed: ${JSON.stringify(before.master, big)} → ${JSON.stringify(after.master, big)}`)
    }
    for (const j of live) {
      const bad = j.log().slice(logLen.get(j.spec.label) ?? 0).split('\n').filter((line) => TROUBLE.test(line))
      if (bad.length > 0) throw new Error(`${j.spec.label} logged: ${bad.slice(0, 3).join(' | ')}`)
    }
    return `${String(l.ops)} put+get pairs, 0 errors; node ${victim.hostPort} killed at 6 s, under ${moved.join(', ')}`
  })
}

const big = (_k: string, v: unknown): unknown => typeof v === 'bigint' ? v.toString(16) : v

async function restartAll (target: Target, c: Cluster): Promise<void> {
  const all = ['master1', 'master2', 'rs1', 'rs2']
  await step(target, '5 clean stop of the whole cluster', async () => {
    must(await c.check(['shutdown']), 'shutdown')
    const stuck: string[] = []
    for (const l of all) {
      const j = await c.jvm(l.startsWith('master') ? 'master' : 'regionserver', l)
      if (!(await j.exitWithin(90_000))) { stuck.push(l); await j.stop() }
    }
    if (stuck.length > 0) throw new Error(`did not exit after Admin.shutdown(): ${stuck.join(', ')}`)
    return 'Admin.shutdown(): every JVM exited'
  })
  await step(target, '5 restart on the same data: 1000 rows readable', async () => {
    const m1 = await c.jvm('master', 'master1')
    await m1.start()
    await until('master1 at /hbase/master', 90_000, async () => {
      c.assertAlive(['master1'])
      return portOf((await c.znodes()).master?.server) === m1.port ? true : null
    })
    for (const l of all.slice(1)) await (await c.jvm(l.startsWith('master') ? 'master' : 'regionserver', l)).start()
    must(await c.check(['wait-ready', '2', '150000']), 'wait-ready')
    must(await c.check(['verify', TABLE, String(ROWS), '60000']), 'verify')
    return undefined
  })
}

async function zkRegistryClient (target: Target, c: Cluster): Promise<void> {
  await step(target, '6 client via ZKConnectionRegistry: meta + master', async () => {
    const r = must(await c.check(['registry'], 'registry-client'), 'registry')
    const z = await c.znodes()
    if (r.meta !== z.metaRegionServer?.server) throw new Error(`client sees meta on ${String(r.meta)}, znode says ${z.metaRegionServer?.server}`)
    if (r.master !== z.master?.server) throw new Error(`client sees master ${String(r.master)}, znode says ${z.master?.server}`)
    return `meta ${String(r.meta)}, master ${String(r.master)}`
  })
}

async function runTarget (kit: HBaseKit, target: Target, scenarios: Set<number>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `rk-hbase-${target}-`))
  console.error(`[${target}] cluster dir ${dir}`)
  const coord = target === 'zookeeper' ? await zookeeperCoordinator() : await redkeeperCoordinator(dir)
  const c = new Cluster(kit, coord, dir)
  try {
    await coldStart(target, c, 2)
    if (scenarios.has(2)) await rsDeath(target, c)
    if (scenarios.has(3)) await masterFailover(target, c)
    if (scenarios.has(4)) await nodeDeath(target, c)
    if (scenarios.has(5)) await restartAll(target, c)
    if (scenarios.has(6)) await zkRegistryClient(target, c)
  } catch (err) {
    if (!(err instanceof StepFailed)) {
      record(target, 'runner error', { ok: false, ms: 0, note: (err as Error).message.split('\n')[0] })
      console.error(err)
    }
  } finally {
    await c.killAll()
    await coord.stop()
    if (process.env.HBASE_KEEP === '1') console.error(`[${target}] kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

function printTable (targets: Target[]): void {
  const cell = (r: StepResult | undefined): string => r === undefined ? '—' : r.note.startsWith('n/a') ? 'n/a' : `${r.ok ? 'PASS' : 'FAIL'} ${(r.ms / 1000).toFixed(1)} s`
  const rows = [['step', ...targets], ...[...table.entries()].map(([s, r]) => [s, ...targets.map((t) => cell(r[t]))])]
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r: string[]): string => '| ' + r.map((x, i) => x.padEnd(w[i])).join(' | ') + ' |'
  console.log(line(rows[0]))
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|')
  for (const r of rows.slice(1)) console.log(line(r))
}

async function main (): Promise<void> {
  const targets = (process.env.HBASE_TARGETS ?? 'zookeeper,redkeeper').split(',').filter((t): t is Target => t === 'zookeeper' || t === 'redkeeper')
  const scenarios = new Set((process.env.HBASE_SCENARIOS ?? '1,2,3,4,5,6').split(',').map(Number))
  const kit = prepareHBase()
  for (const t of targets) await runTarget(kit, t, scenarios)
  printTable(targets)
  console.log(failures === 0 ? 'hbase: all steps passed' : `hbase: ${failures} step(s) failed`)
  process.exitCode = failures === 0 && table.size > 0 ? 0 : 1
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
