// Issue 8's workloads, driven against one running system through the worker
// pool. Setup (parents, shared znodes) goes through one orchestrator session
// and is not timed; every timed request is issued and timed in a worker.

import { ZkClient } from '../src/client'
import { OpCode, Perm } from '../src/engine/codes'
import { Histogram } from './hist'
import { nowAbs, type DropResult, type LoadResult, type LoadSpec } from './messages'
import { shares, type WorkerPool } from './pool'
import { rssBytes, totalCpuSeconds } from './procstat'
import { allPids, type RunningSystem } from './systems'

export const WORKLOADS = ['mem', 'W1', 'W2', 'W3', 'W4', 'W5'] as const
export type WorkloadName = typeof WORKLOADS[number]

export interface BenchOptions {
  seconds: number
  sessions: number
  inflight: number
  /** W1 data sizes */
  sizes: number[]
  /** W2: shared znodes */
  keys: number
  /** W3 and the per-session memory figure */
  stormSessions: number
  /**
   * W3's session timeout, ms. The full run uses kazoo's default, 10 s:
   * ZooKeeper's smallest (4 s at tickTime 2000) is more than the distributed
   * topology keeps alive for 2,000 sessions on a loaded 2-core machine (the
   * sidecar closes them while they connect: "no node reachable within the
   * session timeout").
   */
  stormTimeoutMs: number
  /** W4 */
  fanSessions: number
  fanRepeats: number
  /** the per-znode memory figure */
  memZnodes: number
}

/** One line of the results table. */
export interface Row {
  system: string
  /** stable id, e.g. "W1.create.100" */
  key: string
  /** human label, e.g. "W1 create 100 B" */
  workload: string
  ops: number
  errors: number
  errorSamples: string[]
  opsPerSec: number
  p50Ms: number
  p99Ms: number
  /** CPU seconds of the system's processes during the phase */
  cpuSeconds: number
  cpuPer1kOps: number
  /** CPU seconds of the load workers during the phase */
  clientCpuSeconds: number
  /** CPU seconds per system process role (java, redkeeper, sidecar, haproxy, node, redis) during the phase */
  cpuByRole?: Record<string, number>
  note?: string
}

export interface MemoryFigure {
  system: string
  znodes: number
  sessions: number
  /** summed VmRSS of the system's processes, bytes */
  rssBaseline: number
  rssWithZnodes: number
  rssWithSessions: number
  /** redis-server's used_memory, bytes (distributed only) */
  redisBaseline?: number
  redisWithZnodes?: number
  redisWithSessions?: number
  bytesPerZnode: number
  bytesPerSession: number
  redisBytesPerZnode?: number
  redisBytesPerSession?: number
  /** RSS per process role at the end */
  rssByRole: Record<string, number>
}

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
/** A workload that could not be completed on a system (the run goes on). */
export interface Failure { system: string, workload: string, error: string }

export class SystemBench {
  readonly rows: Row[] = []
  readonly failures: Failure[] = []
  memory: MemoryFigure | undefined
  private setup!: ZkClient
  private baseline: { rss: number, redis?: number } | undefined

  constructor (private readonly sys: RunningSystem, private readonly pool: WorkerPool, private readonly opts: BenchOptions, private readonly log: (line: string) => void) {}

  async run (workloads: readonly WorkloadName[]): Promise<void> {
    this.setup = await this.connectSetup()
    try {
      if (workloads.includes('mem')) this.baseline = await this.memorySample()
      if (workloads.includes('mem') || workloads.includes('W3')) await this.attempt(workloads.includes('W3') ? 'mem+W3' : 'mem', () => this.memAndStorm(workloads.includes('mem'), workloads.includes('W3')))
      await this.attempt('warm-up', () => this.warmUp())
      if (workloads.includes('W5')) await this.attempt('W5', () => this.w5())
      if (workloads.includes('W1')) for (const size of this.opts.sizes) await this.attempt(`W1 ${size} B`, () => this.w1(size))
      if (workloads.includes('W2')) await this.attempt('W2', () => this.w2())
      if (workloads.includes('W4')) await this.attempt('W4', () => this.w4())
    } finally {
      await this.setup.close().catch(() => this.setup.destroy())
    }
  }

  private connectSetup (): Promise<ZkClient> {
    return ZkClient.connect(this.sys.address, { timeout: 30_000, connectTimeout: 30_000 })
  }

  /**
   * Runs one workload; if it fails, says so, records it, and leaves the
   * workers and the setup session clean for the next. A worker that died
   * ends the run (its sessions' state is gone).
   */
  private async attempt (workload: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (e) {
      const error = (e as Error).message.split('\n')[0]
      if (/exited \(code/.test(error)) throw e
      this.failures.push({ system: this.sys.name, workload, error })
      this.log(`${this.sys.name} ${workload} FAILED: ${error}`)
      await this.close().catch(() => {})
      if (this.setup.closed) this.setup = await this.connectSetup()
    }
  }

  /**
   * Untimed reads and writes before the first measured phase, so that no
   * system is measured with a cold JIT (ZooKeeper's C2, V8's TurboFan) or an
   * unextended log file.
   */
  private async warmUp (): Promise<void> {
    const root = '/warm'
    const seconds = Math.min(3, Math.max(0.5, this.opts.seconds / 2))
    await this.mkdir(root)
    await Promise.all(Array.from({ length: this.opts.sessions }, (_, g) => this.mkdir(`${root}/s${g}`)))
    await this.connect(this.opts.sessions)
    for (const kind of ['create', 'get', 'set'] as const) {
      await this.pool.all(() => ({ op: 'load', spec: { kind, root, seconds, inflight: this.opts.inflight, size: 100 } }))
    }
    await this.close()
  }

  private async mkdir (path: string): Promise<void> {
    const r = await this.setup.request({ type: OpCode.create, path, data: null, dataLength: 0, acl: OPEN, flags: 0 })
    if (r.err !== 0) throw new Error(`setup: create ${path} answered err ${r.err}`)
  }

  private async connect (count: number, timeoutMs = 30_000): Promise<void> {
    const parts = shares(count, this.pool.size)
    await this.pool.all((w) => ({ op: 'connect', address: this.sys.address, count: parts[w][1], offset: parts[w][0], timeoutMs }))
  }

  private async close (): Promise<void> {
    await this.pool.all(() => ({ op: 'close' }))
  }

  /** Runs `fn`, charging the CPU the system and the workers spend meanwhile to the row it returns. */
  private async measured (key: string, workload: string, fn: () => Promise<Omit<Row, 'system' | 'key' | 'workload' | 'cpuSeconds' | 'cpuPer1kOps' | 'clientCpuSeconds'>>): Promise<Row> {
    const roles = Object.entries(this.sys.pids)
    const byRole0 = roles.map(([, pids]) => totalCpuSeconds(pids))
    const client0 = totalCpuSeconds(this.pool.pids)
    const r = await fn()
    const cpuByRole: Record<string, number> = {}
    roles.forEach(([role, pids], i) => { cpuByRole[role] = totalCpuSeconds(pids) - byRole0[i] })
    const cpuSeconds = Object.values(cpuByRole).reduce((a, b) => a + b, 0)
    const row: Row = {
      system: this.sys.name,
      key,
      workload,
      ...r,
      cpuSeconds,
      cpuPer1kOps: r.ops > 0 ? cpuSeconds / r.ops * 1000 : NaN,
      clientCpuSeconds: totalCpuSeconds(this.pool.pids) - client0,
      cpuByRole
    }
    this.rows.push(row)
    this.log(`${this.sys.name} ${workload}: ${Math.round(row.opsPerSec)} ops/s, p50 ${row.p50Ms.toFixed(3)} ms, p99 ${row.p99Ms.toFixed(3)} ms, ${row.cpuPer1kOps.toFixed(3)} CPU s/1k ops, ${row.errors} errors`)
    return row
  }

  private async loadPhase (key: string, workload: string, spec: LoadSpec, workers?: number): Promise<Row> {
    return await this.measured(key, workload, async () => {
      const results = await this.pool.all<LoadResult>((w) => workers === undefined || w < workers ? { op: 'load', spec } : null)
      return summarise(results)
    })
  }

  private async w1 (size: number): Promise<void> {
    const root = `/w1-${size}`
    await this.mkdir(root)
    await Promise.all(Array.from({ length: this.opts.sessions }, (_, g) => this.mkdir(`${root}/s${g}`)))
    await this.connect(this.opts.sessions)
    const base = { root, seconds: this.opts.seconds, inflight: this.opts.inflight, size }
    for (const kind of ['create', 'get', 'set', 'exists', 'delete'] as const) {
      await this.loadPhase(`W1.${kind}.${size}`, `W1 ${kind} ${size} B`, { ...base, kind })
    }
    await this.close()
  }

  private async w2 (): Promise<void> {
    const root = '/w2'
    await this.mkdir(root)
    await this.connect(this.opts.sessions)
    await this.populate(root, this.opts.keys, 100)
    await this.loadPhase('W2', 'W2 HBase mix', { kind: 'hbase', root, seconds: this.opts.seconds, inflight: this.opts.inflight, size: 100, keys: this.opts.keys })
    await this.close()
  }

  private async w5 (): Promise<void> {
    const root = '/w5'
    await this.mkdir(root)
    await this.mkdir(`${root}/s0`)
    await this.pool.send(0, { op: 'connect', address: this.sys.address, count: 1, offset: 0, timeoutMs: 30_000 })
    await this.loadPhase('W5', 'W5 1 session sequential', { kind: 'cycle', root, seconds: this.opts.seconds, inflight: 1, size: 100 }, 1)
    await this.pool.send(0, { op: 'close' })
  }

  /** Creates `count` znodes `${root}/m<i>` through the connected sessions (untimed). */
  private async populate (root: string, count: number, size: number): Promise<void> {
    const parts = shares(count, this.pool.size)
    const res = await this.pool.all<{ errors: number }>((w) => ({ op: 'populate', root, count: parts[w][1], offset: parts[w][0], size, inflight: this.opts.inflight }))
    const errors = res.reduce((a, r) => a + r.errors, 0)
    if (errors > 0) throw new Error(`populate ${root}: ${errors} creates failed`)
  }

  private async memorySample (): Promise<{ rss: number, redis?: number }> {
    // let the servers' background work (JIT, GC, AOF rewrite) settle a moment
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const rss = allPids(this.sys).reduce((a, p) => a + rssBytes(p), 0)
    return this.sys.redisUsedMemory === undefined ? { rss } : { rss, redis: await this.sys.redisUsedMemory() }
  }

  /** The memory figures (znodes, then sessions) and W3, which reuses the memory run's sessions. */
  private async memAndStorm (mem: boolean, storm: boolean): Promise<void> {
    let withZnodes: { rss: number, redis?: number } | undefined
    if (mem) {
      await this.mkdir('/mem')
      await this.connect(this.opts.sessions)
      const t0 = performance.now()
      await this.populate('/mem', this.opts.memZnodes, 100)
      this.log(`${this.sys.name} mem: ${this.opts.memZnodes} znodes created in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      await this.close()
      withZnodes = await this.memorySample()
    }
    await this.mkdir('/w3')
    const count = this.opts.stormSessions
    await this.connect(count, this.opts.stormTimeoutMs)
    const paths = (await this.pool.all<string[]>(() => ({ op: 'storm-arm', root: '/w3' }))).flat()
    if (mem && withZnodes !== undefined && this.baseline !== undefined) {
      const withSessions = await this.memorySample()
      this.memory = memoryFigure(this.sys, this.opts.memZnodes, count, this.baseline, withZnodes, withSessions)
      const m = this.memory
      this.log(`${this.sys.name} mem: ${Math.round(m.bytesPerZnode)} B/znode, ${Math.round(m.bytesPerSession)} B/session (RSS)${m.redisBytesPerZnode === undefined ? '' : `; Redis used_memory ${Math.round(m.redisBytesPerZnode)} B/znode, ${Math.round(m.redisBytesPerSession ?? NaN)} B/session`}`)
    }
    if (!storm) {
      await this.close()
      return
    }
    const parts = shares(paths.length, this.pool.size)
    await this.pool.all((w) => ({ op: 'observe', address: this.sys.address, paths: paths.slice(parts[w][0], parts[w][0] + parts[w][1]) }))
    await this.measured('W3', `W3 storm ${count} sessions expire`, async () => {
      const drops = await this.pool.all<DropResult>(() => ({ op: 'drop' }))
      const dropped = Math.max(...drops.map((d) => d.dropped))
      // measured from the moment the last session is due to expire, so that
      // the timeout itself (the same on every system) does not dominate
      const deadline = Math.max(...drops.map((d) => d.deadline))
      const arrivals = (await this.pool.all<number[]>(() => ({ op: 'await-deleted', timeoutMs: 120_000 }))).flat()
      const hist = new Histogram()
      for (const a of arrivals) hist.recordMs(Math.max(0, a - deadline))
      const last = Math.max(...arrivals)
      const afterDeadlineMs = Math.max(0, last - deadline)
      const left = await this.setup.request({ type: OpCode.getChildren, path: '/w3', watch: false })
      const children = left.body !== undefined && 'children' in left.body ? left.body.children?.length ?? -1 : -1
      const errors = arrivals.length === count && children === 0 ? 0 : 1
      return {
        ops: arrivals.length,
        errors,
        errorSamples: errors === 0 ? [] : [`${arrivals.length}/${count} deletions seen, ${children} ephemerals left`],
        // a floor of 1 ms: a system that is done the moment the deadline passes is not infinitely fast
        opsPerSec: arrivals.length / (Math.max(1, afterDeadlineMs) / 1000),
        p50Ms: hist.percentileMs(0.5),
        p99Ms: hist.percentileMs(0.99),
        note: `last ephemeral gone and its watcher notified ${(afterDeadlineMs / 1000).toFixed(2)} s after the last session's deadline (last heartbeat + ${this.opts.stormTimeoutMs} ms timeout), ${((last - dropped) / 1000).toFixed(2)} s after the sockets closed; ops/s and p50/p99 (per-ephemeral deletion notice) count from that deadline`
      }
    })
    await this.close()
  }

  private async w4 (): Promise<void> {
    const path = '/w4'
    await this.mkdir(path)
    await this.connect(this.opts.fanSessions)
    const sessions = this.opts.fanSessions
    await this.measured('W4', `W4 fan-out ${sessions} watchers`, async () => {
      const toLast = new Histogram()
      const lasts: number[] = []
      let notices = 0
      for (let i = 0; i < this.opts.fanRepeats; i++) {
        await this.pool.all(() => ({ op: 'fan-arm', path }))
        const t0 = nowAbs()
        const r = await this.setup.request({ type: OpCode.setData, path, data: Buffer.from(String(i)), dataLength: String(i).length, version: -1 })
        if (r.err !== 0) throw new Error(`W4: setData ${path} answered err ${r.err}`)
        const arrivals = (await this.pool.all<number[]>(() => ({ op: 'fan-await', timeoutMs: 60_000 }))).flat()
        notices += arrivals.length
        const last = Math.max(...arrivals) - t0
        lasts.push(last)
        toLast.recordMs(last)
      }
      lasts.sort((a, b) => a - b)
      return {
        ops: notices,
        errors: notices === sessions * this.opts.fanRepeats ? 0 : 1,
        errorSamples: [],
        // notifications per second at the median repetition
        opsPerSec: sessions / (lasts[Math.floor(lasts.length / 2)] / 1000),
        p50Ms: toLast.percentileMs(0.5),
        p99Ms: toLast.percentileMs(0.99),
        note: `${this.opts.fanRepeats} repetitions; p50/p99: setData → last of ${sessions} notifications`
      }
    })
    await this.close()
  }
}

export function summarise (results: LoadResult[]): Omit<Row, 'system' | 'key' | 'workload' | 'cpuSeconds' | 'cpuPer1kOps' | 'clientCpuSeconds'> {
  const hist = new Histogram()
  let ops = 0
  let errors = 0
  let elapsed = 0
  const samples: string[] = []
  for (const r of results) {
    hist.merge(r.hist)
    ops += r.ops
    errors += r.errors
    elapsed = Math.max(elapsed, r.elapsedMs)
    for (const s of r.errorSamples) if (samples.length < 5) samples.push(s)
  }
  return { ops, errors, errorSamples: samples, opsPerSec: elapsed > 0 ? ops / (elapsed / 1000) : 0, p50Ms: hist.percentileMs(0.5), p99Ms: hist.percentileMs(0.99) }
}

function memoryFigure (sys: RunningSystem, znodes: number, sessions: number, base: { rss: number, redis?: number }, z: { rss: number, redis?: number }, s: { rss: number, redis?: number }): MemoryFigure {
  const rssByRole: Record<string, number> = {}
  for (const [role, pids] of Object.entries(sys.pids)) rssByRole[role] = pids.reduce((a, p) => a + rssBytes(p), 0)
  const m: MemoryFigure = {
    system: sys.name,
    znodes,
    sessions,
    rssBaseline: base.rss,
    rssWithZnodes: z.rss,
    rssWithSessions: s.rss,
    bytesPerZnode: (z.rss - base.rss) / znodes,
    bytesPerSession: (s.rss - z.rss) / sessions,
    rssByRole
  }
  if (base.redis !== undefined && z.redis !== undefined && s.redis !== undefined) {
    m.redisBaseline = base.redis
    m.redisWithZnodes = z.redis
    m.redisWithSessions = s.redis
    m.redisBytesPerZnode = (z.redis - base.redis) / znodes
    m.redisBytesPerSession = (s.redis - z.redis) / sessions
  }
  return m
}
