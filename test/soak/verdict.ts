// The soak's verdict, from its samples alone (pure): memory growth per
// process, p99 stability, errors outside the fault windows, lost writes.
//
// Growth is judged per process incarnation (a slot's pid), over the last two
// thirds of the run: a slope fitted to each incarnation's own points, those
// of a restarted one only after its warm-up (WARMUP_S). A restarted process
// comes back small and climbs, for ten minutes or more, back to the level
// its slot held before (the 30-min soak: node2 70 → 110 MiB after its
// restart, where every node sat at 110-120): that climb is recovery, not a
// leak, as long as it stays under the highest RSS an earlier incarnation of
// the slot reached (plus RECOVERY_MARGIN). Past that level the climb counts
// as growth again. A leak cannot hide there: the slot's first incarnation
// lived from the start and is judged on its own slope, and a restarted one
// that leaks passes its predecessor's level and is judged on its slope.
// Incarnations whose judged points span less than WARMUP_S say nothing.

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

/** One process of a slot: its slope over its judged points, and whether that is a climb back to the slot's earlier level. */
export interface Incarnation {
  pid: number
  /** the first sample with this pid, and the last */
  firstS: number
  lastS: number
  /** judged points (after its warm-up, within the last two thirds) */
  points: number
  bytesPerHour: number | null
  /** the highest RSS of its judged points */
  peakBytes: number | null
  /** the highest RSS any earlier incarnation of the slot reached (null for the first) */
  priorPeakBytes: number | null
  /** a restarted process climbing back, still under priorPeak plus the margin: its slope is not growth */
  recovering: boolean
}

/** bytesPerHour: the steepest slope among the incarnations judged (not recovering); null if none could be */
export interface Growth { slot: string, bytesPerHour: number | null, points: number, ok: boolean, incarnations: Incarnation[] }

/** how far above its slot's earlier peak a restarted process may climb and still be "back to its level" */
export const RECOVERY_MARGIN = 0.05

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

export function slotGrowth (samples: Sample[], slot: string, warmupS: number): { bytesPerHour: number | null, points: number, incarnations: Incarnation[] } {
  const from = samples.length === 0 ? 0 : samples[samples.length - 1].t / 3
  const runs: Array<{ pid: number, firstS: number, lastS: number, all: number[], judged: Array<[number, number]> }> = []
  for (const s of samples) {
    const m = s.memory[slot]
    if (m === null || m === undefined || m.bytes <= 0) continue
    let run = runs[runs.length - 1]
    if (run === undefined || run.pid !== m.pid) {
      run = { pid: m.pid, firstS: s.t, lastS: s.t, all: [], judged: [] }
      runs.push(run)
    }
    run.lastS = s.t
    run.all.push(m.bytes)
    // the first process of a slot started before sampling: no warm-up to skip past the first third
    const warm = runs.length === 1 ? 0 : warmupS
    if (s.t >= from && s.t - run.firstS >= warm) run.judged.push([s.t, m.bytes])
  }
  const incarnations: Incarnation[] = []
  let priorPeak: number | null = null
  let steepest: number | null = null
  let points = 0
  for (const run of runs) {
    const span = run.judged.length === 0 ? 0 : run.judged[run.judged.length - 1][0] - run.judged[0][0]
    const { slope } = span >= warmupS ? pooledSlope([run.judged]) : { slope: null }
    const peak = run.judged.length === 0 ? null : Math.max(...run.judged.map(([, y]) => y))
    const recovering = priorPeak !== null && peak !== null && peak <= priorPeak * (1 + RECOVERY_MARGIN)
    const bytesPerHour = slope === null ? null : slope * 3600
    incarnations.push({ pid: run.pid, firstS: run.firstS, lastS: run.lastS, points: run.judged.length, bytesPerHour, peakBytes: peak, priorPeakBytes: priorPeak, recovering })
    if (bytesPerHour !== null && !recovering) {
      points += run.judged.length
      if (steepest === null || bytesPerHour > steepest) steepest = bytesPerHour
    }
    const runPeak = Math.max(...run.all)
    priorPeak = priorPeak === null ? runPeak : Math.max(priorPeak, runPeak)
  }
  return { bytesPerHour: steepest, points, incarnations }
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
