// `npm run bench` options. --quick is a short run (≤ 2 min for every system)
// whose numbers show the shape, not the truth: it writes no docs unless
// --docs says where.

import { parseArgs } from 'node:util'
import { SYSTEMS, type SystemName } from './systems'
import { WORKLOADS, type BenchOptions, type WorkloadName } from './workloads'

export const ALL_WORKLOADS = [...WORKLOADS, 'ceiling'] as const
export type Workload = typeof ALL_WORKLOADS[number]

export interface RunOptions extends BenchOptions {
  systems: SystemName[]
  workloads: Workload[]
  workers: number
  quick: boolean
  /** where the JSON goes */
  out: string
  /** where performance.md and performance.svg go; null: nowhere (the default with --quick) */
  docs: string | null
  /** re-render this saved JSON instead of measuring */
  from: string | null
  /** redis-benchmark -n */
  benchmarkRequests: number
}

export class UsageError extends Error {
  override name = 'UsageError'
}

export const USAGE = `usage: npm run bench -- [--systems zookeeper,embedded,node1,lb3] [--workloads mem,W1,W2,W3,W4,W5,ceiling]
       [--seconds N] [--sessions N] [--inflight N] [--workers N] [--quick] [--out DIR] [--docs DIR | --no-docs]
       npm run bench -- --from bench/results/latest.json [--docs DIR]   (re-render a saved run)`

function list<T extends string> (value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  for (const i of items) if (!allowed.includes(i as T)) throw new UsageError(`unknown ${what} "${i}": use ${allowed.join(', ')}`)
  if (items.length === 0) throw new UsageError(`--${what}s needs at least one of ${allowed.join(', ')}`)
  return items as T[]
}

function positive (value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${what} must be a positive number, got "${value}"`)
  return n
}

export function parseOptions (argv: string[], repoRoot: string): RunOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        systems: { type: 'string' },
        workloads: { type: 'string' },
        seconds: { type: 'string' },
        sessions: { type: 'string' },
        inflight: { type: 'string' },
        workers: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        docs: { type: 'string' },
        'no-docs': { type: 'boolean', default: false },
        from: { type: 'string' },
        help: { type: 'boolean', default: false }
      },
      strict: true,
      allowPositionals: false
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const v = parsed.values
  if (v.help === true) throw new UsageError('')
  const quick = v.quick === true
  const integer = (s: string | undefined, d: number, w: string): number => Math.round(positive(s, d, w))
  return {
    systems: list(v.systems ?? SYSTEMS.join(','), SYSTEMS, 'system'),
    workloads: list(v.workloads ?? ALL_WORKLOADS.join(','), ALL_WORKLOADS, 'workload'),
    seconds: positive(v.seconds, quick ? 1 : 6, 'seconds'),
    sessions: integer(v.sessions, quick ? 8 : 16, 'sessions'),
    inflight: integer(v.inflight, quick ? 4 : 8, 'inflight'),
    workers: integer(v.workers, 2, 'workers'),
    quick,
    sizes: [100, 1024],
    keys: quick ? 100 : 1000,
    stormSessions: quick ? 200 : 2000,
    stormTimeoutMs: quick ? 4000 : 10_000,
    fanSessions: quick ? 100 : 1000,
    fanRepeats: quick ? 3 : 5,
    memZnodes: quick ? 5000 : 100_000,
    benchmarkRequests: quick ? 20_000 : 200_000,
    out: v.out ?? `${repoRoot}/bench/results`,
    from: v.from ?? null,
    // a quick run's figures are too rough for the docs unless asked for
    docs: v['no-docs'] === true ? null : (v.docs ?? (quick ? null : `${repoRoot}/docs`))
  }
}

export function zkWorkloads (w: Workload[]): WorkloadName[] {
  return w.filter((x): x is WorkloadName => x !== 'ceiling')
}
