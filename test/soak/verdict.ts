// The soak's verdict, from its samples alone (pure): memory growth per
// process, p99 stability, errors outside the fault windows, lost writes.
//
// Growth is the slope of RSS over the last two thirds of the run. A process
// killed by a fault comes back small and warms up, so each process slot is
// cut into segments at its restarts (a pid change), the first WARMUP_S of a
// segment is dropped, and one slope is fitted across the segments with a
// separate intercept each (the pooled within-segment least squares): a
// restart's drop is then neither growth nor shrinkage.

export interface Sample {
  /** seconds since the load started, at the end of the interval */
  t: number
  ops: number
  opsPerSec: number
  p50Ms: number | null
  p99Ms: number | null
  errors: number
  errorSamples: string[]
  /** the interval overlaps a fault's window (the fault plus its grace) */
  inFault: boolean
  /** per process slot ("node0", "sidecar1", "redis", "redis.used_memory"): bytes, and the pid it was read from */
  memory: Record<string, { bytes: number, pid: number } | null>
  sessions: number | null
  znodes: number | null
}

export interface FaultMark { name: string, startS: number, endS: number, note: string }

export interface Growth { slot: string, bytesPerHour: number | null, points: number, ok: boolean }

export interface Verdict {
  ok: boolean
  growthLimitBytesPerHour: number
  growth: Growth[]
  p99: { firstThirdMs: number | null, lastThirdMs: number | null, ratio: number | null, limit: number, ok: boolean }
  errors: { total: number, inFaultWindows: number, outside: number, samples: string[], ok: boolean }
  lostWrites: { checked: number, lost: number, allowed: boolean, ok: boolean }
  sessions: { expected: number | null, fewestOutsideFaults: number | null, ok: boolean }
  reasons: string[]
}

export interface VerdictOptions {
  growthLimitBytesPerHour: number
  p99RatioLimit: number
  /** seconds after a (re)start not counted in the slope */
  warmupS: number
  lostWrites: { checked: number, lost: number, allowed: boolean }
  /** live sessions the load keeps (its own plus the counter's); fewer outside a fault window is a session lost */
  expectedSessions?: number
}

/** Pooled within-segment slope of y over t (units of y per second); null with too few points. */
export function pooledSlope (segments: Array<Array<[number, number]>>): { slope: number | null, points: number } {
  let sxy = 0
  let sxx = 0
  let points = 0
  for (const seg of segments) {
    if (seg.length < 2) continue
    const mt = seg.reduce((a, [t]) => a + t, 0) / seg.length
    const my = seg.reduce((a, [, y]) => a + y, 0) / seg.length
    for (const [t, y] of seg) { sxy += (t - mt) * (y - my); sxx += (t - mt) ** 2 }
    points += seg.length
  }
  return { slope: sxx > 0 && points >= 3 ? sxy / sxx : null, points }
}

function median (xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

export function slotGrowth (samples: Sample[], slot: string, warmupS: number): { bytesPerHour: number | null, points: number } {
  const from = samples.length === 0 ? 0 : samples[samples.length - 1].t / 3
  const segments: Array<Array<[number, number]>> = []
  let pid = -1
  let startedAt = 0
  for (const s of samples) {
    const m = s.memory[slot]
    if (m === null || m === undefined || m.bytes <= 0) continue
    if (m.pid !== pid) { pid = m.pid; startedAt = s.t; segments.push([]) }
    // the first process of a slot started before sampling: no warm-up to skip past the first third
    const warm = segments.length === 1 ? 0 : warmupS
    if (s.t >= from && s.t - startedAt >= warm) segments[segments.length - 1].push([s.t, m.bytes])
  }
  const { slope, points } = pooledSlope(segments)
  return { bytesPerHour: slope === null ? null : slope * 3600, points }
}

export function judge (samples: Sample[], opts: VerdictOptions): Verdict {
  const reasons: string[] = []
  const slots = [...new Set(samples.flatMap((s) => Object.keys(s.memory)))].sort()
  const growth = slots.map((slot): Growth => {
    const g = slotGrowth(samples, slot, opts.warmupS)
    const ok = g.bytesPerHour === null || g.bytesPerHour <= opts.growthLimitBytesPerHour
    if (!ok) reasons.push(`${slot} grows ${(g.bytesPerHour! / 2 ** 20).toFixed(1)} MiB/h (limit ${(opts.growthLimitBytesPerHour / 2 ** 20).toFixed(1)})`)
    return { slot, ...g, ok }
  })

  const end = samples.length === 0 ? 0 : samples[samples.length - 1].t
  const calm = samples.filter((s) => !s.inFault && s.p99Ms !== null)
  const firstThirdMs = median(calm.filter((s) => s.t <= end / 3).map((s) => s.p99Ms!))
  const lastThirdMs = median(calm.filter((s) => s.t > (2 * end) / 3).map((s) => s.p99Ms!))
  const ratio = firstThirdMs !== null && lastThirdMs !== null && firstThirdMs > 0 ? lastThirdMs / firstThirdMs : null
  const p99ok = ratio === null || ratio <= opts.p99RatioLimit
  if (!p99ok) reasons.push(`p99 outside faults went from ${firstThirdMs} ms (first third, median) to ${lastThirdMs} ms (last third)`)

  const total = samples.reduce((a, s) => a + s.errors, 0)
  const outsideSamples = samples.filter((s) => !s.inFault && s.errors > 0)
  const outside = outsideSamples.reduce((a, s) => a + s.errors, 0)
  if (outside > 0) reasons.push(`${outside} errors outside the fault windows, e.g. ${outsideSamples[0].errorSamples[0] ?? '?'}`)

  const lostOk = opts.lostWrites.lost === 0 || opts.lostWrites.allowed
  if (!lostOk) reasons.push(`${opts.lostWrites.lost} acknowledged counter writes lost`)

  const counted = samples.filter((s) => !s.inFault && s.sessions !== null).map((s) => s.sessions!)
  const fewest = counted.length === 0 ? null : Math.min(...counted)
  const sessionsOk = opts.expectedSessions === undefined || fewest === null || fewest >= opts.expectedSessions
  if (!sessionsOk) reasons.push(`${opts.expectedSessions! - fewest!} of ${opts.expectedSessions} sessions gone outside the fault windows (the store counted ${fewest})`)

  return {
    ok: reasons.length === 0,
    growthLimitBytesPerHour: opts.growthLimitBytesPerHour,
    growth,
    p99: { firstThirdMs, lastThirdMs, ratio, limit: opts.p99RatioLimit, ok: p99ok },
    errors: { total, inFaultWindows: total - outside, outside, samples: [...new Set(samples.flatMap((s) => s.errorSamples))].slice(0, 10), ok: outside === 0 },
    lostWrites: { ...opts.lostWrites, ok: lostOk },
    sessions: { expected: opts.expectedSessions ?? null, fewestOutsideFaults: fewest, ok: sessionsOk },
    reasons
  }
}
