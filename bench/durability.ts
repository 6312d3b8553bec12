// `npm run bench:durability`: what each durability setting costs, side by
// side in one run (issue 9). Every mode is a fresh system driven by the same
// load as `npm run bench`'s W1 at 100 B (bench/workloads.ts: create, get,
// set, exists, delete phases, closed loop from the forked load workers):
//
//   ZooKeeper 3.8 with forceSync=yes (its default) and forceSync=no;
//   redkeeper embedded with its O_DSYNC log (default) and --no-fsync;
//   sidecar → node → Redis with appendonly no, appendfsync everysec and
//   always, and with one replica and --redis-wait-replicas 1 (everysec and
//   always on both servers).
//
// The machine is shared and noisy: compare rows of one run, not runs.
// Prints a Markdown table and writes bench/results/durability-latest.json.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { describeMachine, machineLines } from './machine'
import { WorkerPool } from './pool'
import type { RunningSystem, SystemName } from './systems'
import { SystemBench, type BenchOptions, type Failure, type Row } from './workloads'
import { startNode, startRedis, startSidecar, startTopology, type RedisHandle } from '../test/support/topology'
import { startRedkeeper } from '../test/support/redkeeper'
import { startZooKeeper } from '../test/support/zookeeper'

const REPO_ROOT = resolve(__dirname, '..')

type RoundRow = Row & { round: number }

interface Mode {
  id: string
  label: string
  /** what an acknowledged write survives */
  survives: string
  start: () => Promise<RunningSystem>
}

/** ZooKeeper as `npm run bench` runs it: full JIT, zkServer.sh's heap, 64 MB log preallocation. */
const ZK_JVM = ['-XX:TieredStopAtLevel=4', '-Xmx1000m', '-Dzookeeper.preAllocSize=65536']

const MODES: Mode[] = [
  {
    id: 'zk-fsync',
    label: 'ZooKeeper 3.8, forceSync=yes (default)',
    survives: 'process kill, machine crash (quorum of 1)',
    start: async () => {
      const zk = await startZooKeeper({ jvmFlags: ZK_JVM })
      return system('zk-fsync', zk.address, { java: [zk.pid] }, () => zk.stop())
    }
  },
  {
    id: 'zk-nofsync',
    label: 'ZooKeeper 3.8, forceSync=no',
    survives: 'process kill',
    start: async () => {
      const zk = await startZooKeeper({ jvmFlags: [...ZK_JVM, '-Dzookeeper.forceSync=no'] })
      return system('zk-nofsync', zk.address, { java: [zk.pid] }, () => zk.stop())
    }
  },
  {
    id: 'embedded',
    label: 'redkeeper embedded, O_DSYNC log (default)',
    survives: 'process kill, machine crash',
    start: async () => {
      const rk = await startRedkeeper()
      return system('embedded', rk.address, { redkeeper: [rk.pid] }, () => rk.destroy())
    }
  },
  {
    id: 'embedded-nofsync',
    label: 'redkeeper embedded, --no-fsync',
    survives: 'process kill',
    start: async () => {
      const rk = await startRedkeeper({ args: ['--no-fsync'] })
      return system('embedded-nofsync', rk.address, { redkeeper: [rk.pid] }, () => rk.destroy())
    }
  },
  {
    id: 'node-aof-no',
    label: 'node1, Redis appendonly no',
    survives: 'node kill (Redis keeps it in memory); nothing past a Redis restart',
    start: () => node1('node-aof-no', false)
  },
  {
    id: 'node-everysec',
    label: 'node1, Redis appendfsync everysec',
    survives: 'Redis process kill (except the postponed-write window); machine crash loses ≤ ~1 s (+2 s on a slow disk)',
    start: () => node1('node-everysec', 'everysec')
  },
  {
    id: 'node-always',
    label: 'node1, Redis appendfsync always',
    survives: 'Redis process kill, machine crash',
    start: () => node1('node-always', 'always')
  },
  {
    id: 'node-everysec-wait1',
    label: 'node1, everysec + replica, --redis-wait-replicas 1',
    survives: 'as everysec, plus failover to the replica (it has received every acknowledged write)',
    start: () => withReplica('node-everysec-wait1', 'everysec')
  },
  {
    id: 'node-always-wait1',
    label: 'node1, always + replica, --redis-wait-replicas 1',
    survives: 'as always, plus failover to the replica (WAIT: the replica has received it; its own fsync is not confirmed)',
    start: () => withReplica('node-always-wait1', 'always')
  }
]

/** SystemBench wants a RunningSystem; its name only labels the rows. */
function system (id: string, address: string, pids: Record<string, number[]>, stop: () => Promise<void>): RunningSystem {
  return { name: id as SystemName, address, pids, stop }
}

async function node1 (id: string, fsync: false | 'everysec' | 'always'): Promise<RunningSystem> {
  const topo = await startTopology('node1', { redis: fsync === false ? { appendonly: false } : { appendonly: true, appendfsync: fsync } })
  const pids: Record<string, number[]> = { sidecar: [topo.sidecar?.pid ?? 0], node: topo.nodes.map((n) => n.pid), redis: [topo.redis?.pid ?? 0] }
  return system(id, topo.address, pids, () => topo.stop())
}

/** A primary and a replica (same AOF setting), a node that waits for 1 replica, a sidecar. */
async function withReplica (id: string, fsync: 'everysec' | 'always'): Promise<RunningSystem> {
  const started: Array<{ stop: () => Promise<void> }> = []
  const stopAll = async (): Promise<void> => { for (const s of started.reverse()) await s.stop() }
  try {
    const primary = await startRedis({ appendonly: true, appendfsync: fsync })
    started.push(primary)
    const replica = await startRedis({ appendonly: true, appendfsync: fsync })
    started.push(replica)
    await replicate(replica, primary)
    const node = await startNode(primary.url, { args: ['--redis-wait-replicas', '1'] })
    started.push(node)
    const sidecar = await startSidecar([node.url])
    started.push(sidecar)
    return system(id, sidecar.address, { sidecar: [sidecar.pid], node: [node.pid], redis: [primary.pid], replica: [replica.pid] }, stopAll)
  } catch (err) {
    await stopAll()
    throw err
  }
}

async function replicate (replica: RedisHandle, primary: RedisHandle): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port: replica.port })
  const p = new Redis({ host: '127.0.0.1', port: primary.port })
  try {
    await r.call('REPLICAOF', '127.0.0.1', String(primary.port))
    const deadline = Date.now() + 30_000
    while (!/slave0:.*state=online/.test(await p.info('replication'))) {
      if (Date.now() > deadline) throw new Error('the replica did not come online within 30 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    r.disconnect()
    p.disconnect()
  }
}

function log (line: string): void {
  process.stderr.write(`[durability ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

const USAGE = 'usage: npm run bench:durability -- [--modes id,id…] [--rounds N] [--seconds N] [--sessions N] [--inflight N] [--workers N] [--out DIR]\n' +
  '       npm run bench:durability -- --from bench/results/durability-latest.json   (print a saved run\'s table)\n' +
  `modes: ${MODES.map((m) => m.id).join(', ')}`

function positiveInt (v: string | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got "${v}"`)
  return n
}

async function main (): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: { from: { type: 'string' }, modes: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' }, sessions: { type: 'string' }, inflight: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
      strict: true
    }).values
  } catch (e) {
    process.stderr.write(`bench:durability: ${(e as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (values.from !== undefined) {
    const saved = JSON.parse(readFileSync(values.from, 'utf8')) as SavedRun
    console.log(heading(saved))
    console.log(durabilityTable(MODES.filter((m) => saved.modes.some((s) => s.id === m.id)), saved.rows))
    return 0
  }
  let modes = MODES
  let opts
  try {
    if (values.modes !== undefined) {
      const ids = values.modes.split(',').map((s) => s.trim()).filter((s) => s !== '')
      for (const id of ids) if (!MODES.some((m) => m.id === id)) throw new Error(`unknown mode "${id}"`)
      modes = MODES.filter((m) => ids.includes(m.id))
    }
    opts = {
      rounds: Math.round(positiveInt(values.rounds, 2, 'rounds')),
      seconds: positiveInt(values.seconds, 4, 'seconds'),
      sessions: Math.round(positiveInt(values.sessions, 16, 'sessions')),
      inflight: Math.round(positiveInt(values.inflight, 4, 'inflight')),
      workers: Math.round(positiveInt(values.workers, 2, 'workers'))
    }
  } catch (e) {
    process.stderr.write(`bench:durability: ${(e as Error).message}\n${USAGE}\n`)
    return 2
  }
  const out = values.out ?? join(REPO_ROOT, 'bench', 'results')
  const startedAt = new Date()
  const machine = describeMachine(REPO_ROOT)
  for (const l of machineLines(machine)) log(l)
  const bench: BenchOptions = { seconds: opts.seconds, sessions: opts.sessions, inflight: opts.inflight, sizes: [100], keys: 100, stormSessions: 0, stormTimeoutMs: 10_000, fanSessions: 0, fanRepeats: 0, memZnodes: 0 }
  const rows: RoundRow[] = []
  const failures: Failure[] = []
  const pool = WorkerPool.start(opts.workers)
  try {
    // Rounds interleave the modes, so a burst of load from the machine's
    // other users hits one round of a mode, not all of it.
    for (let round = 1; round <= opts.rounds; round++) {
      for (const mode of modes) {
        const tagged = await runMode(mode, round, pool, bench)
        rows.push(...tagged.rows)
        failures.push(...tagged.failures)
      }
    }
  } finally {
    await pool.stop()
  }
  const result = { startedAt: startedAt.toISOString(), durationSeconds: (Date.now() - startedAt.getTime()) / 1000, options: opts, machine, modes: modes.map(({ id, label, survives }) => ({ id, label, survives })), rows, failures }
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'durability-latest.json'), JSON.stringify(result, (_, v) => typeof v === 'number' && !Number.isFinite(v) ? null : v, 2) + '\n')
  console.log(heading(result))
  console.log(durabilityTable(modes, rows))
  for (const f of failures) console.log(`FAILED ${f.system} ${f.workload}: ${f.error}`)
  log(`done in ${Math.round(result.durationSeconds)} s; JSON in ${join(out, 'durability-latest.json')}`)
  return failures.length > 0 || rows.some((r) => r.errors > 0) ? 1 : 0
}

interface SavedRun {
  startedAt: string
  options: { sessions: number, inflight: number, seconds: number, workers: number, rounds: number }
  machine: { loadAverage: number[] }
  modes: Array<{ id: string }>
  rows: RoundRow[]
}

function heading (r: SavedRun): string {
  const o = r.options
  return `# ${o.sessions} sessions × ${o.inflight} in flight, ${o.seconds} s per phase, 100 B, ${o.workers} load workers, ${o.rounds} rounds; ${r.startedAt.slice(0, 16)}Z; load average at start ${r.machine.loadAverage.join(' / ')}`
}

/** One mode, one round: rows tagged with the round. */
async function runMode (mode: Mode, round: number, pool: WorkerPool, bench: BenchOptions): Promise<{ rows: RoundRow[], failures: Failure[] }> {
  log(`round ${round}: starting ${mode.label}`)
  let sys: RunningSystem
  try {
    sys = await mode.start()
  } catch (e) {
    log(`${mode.id} did not start: ${(e as Error).message}`)
    return { rows: [], failures: [{ system: mode.id, workload: `start (round ${round})`, error: (e as Error).message.split('\n')[0] }] }
  }
  try {
    const b = new SystemBench(sys, pool, bench, log)
    await b.run(['W1'])
    return { rows: b.rows.map((r) => ({ ...r, round })), failures: b.failures }
  } finally {
    await sys.stop()
  }
}

/**
 * One row per mode: create and setData (writes), getData (a read, for
 * contrast). Throughput of every round ("a, b, c"); p50 / p99 of the round
 * with the best throughput, the one least disturbed by the machine's other
 * users; CPU ms per write (all the mode's server processes, replica
 * included; median over rounds), the figure least bent by a noisy machine.
 */
export function durabilityTable (modes: readonly Mode[], rows: readonly RoundRow[]): string {
  const ops = (n: number): string => n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0)
  const of = (id: string, kind: string): RoundRow[] => rows.filter((r) => r.system === id && r.key === `W1.${kind}.100`).sort((a, b) => a.round - b.round)
  const through = (rs: RoundRow[]): string => rs.length === 0 ? '—' : rs.map((r) => ops(r.opsPerSec)).join(', ')
  const latency = (rs: RoundRow[]): string => {
    if (rs.length === 0) return '—'
    const best = rs.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a))
    return `${best.p50Ms.toFixed(1)} / ${best.p99Ms.toFixed(0)}`
  }
  const cpu = (rs: RoundRow[]): string => {
    const v = rs.map((r) => r.cpuPer1kOps).filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
    return v.length === 0 ? '—' : v[Math.floor(v.length / 2)].toFixed(3)
  }
  const lines = [
    '| mode | create/s | create p50 / p99 ms | setData/s | setData p50 / p99 ms | CPU ms per create / setData | getData/s | an acknowledged write survives |',
    '|---|---|---|---|---|---|---|---|'
  ]
  for (const m of modes) {
    const c = of(m.id, 'create')
    const st = of(m.id, 'set')
    lines.push(`| ${[m.label, through(c), latency(c), through(st), latency(st), `${cpu(c)} / ${cpu(st)}`, through(of(m.id, 'get')), m.survives].join(' | ')} |`)
  }
  return lines.join('\n')
}

main().then((code) => { process.exitCode = code }, (e: Error) => {
  process.stderr.write(`bench:durability failed: ${e.stack ?? e.message}\n`)
  process.exitCode = 1
})
