// The soak's verdict as the lines printed at the end of a run.

import type { SoakResult } from './soak'
import type { Incarnation } from './verdict'

const MIB = 2 ** 20

export function verdictLines (r: SoakResult): string[] {
  const v = r.verdict
  const fmt = (x: number | null, d = 1): string => x === null ? 'n/a' : x.toFixed(d)
  const ops = r.samples.reduce((a, s) => a + s.ops, 0)
  return [
    `soak verdict: ${v.ok ? 'OK' : 'FAIL'} (${r.samples.length} samples, ${ops} ops, ${r.faults.length} faults: ${r.faults.map((f) => f.name).join(', ') || 'none'})`,
    `  memory growth over the last two thirds (limit ${fmt(v.growthLimitBytesPerHour / MIB)} MiB/h):`,
    ...v.growth.map((g) => `    ${g.slot.padEnd(18)} ${g.bytesPerHour === null ? 'n/a (too few points)' : `${fmt(g.bytesPerHour / MIB)} MiB/h`} over ${g.points} points${g.ok ? '' : '  <-- GROWS'}` +
      (g.incarnations.length > 1 ? `; processes: ${g.incarnations.map((i) => incarnationText(i, fmt)).join(', ')}` : '')),
    `  p99 outside faults: first third ${fmt(v.p99.firstThirdMs, 2)} ms, last third ${fmt(v.p99.lastThirdMs, 2)} ms (ratio ${fmt(v.p99.ratio, 2)}, limit ${v.p99.limit})${v.p99.ok ? '' : '  <-- UNSTABLE'}`,
    `  errors: ${v.errors.total} (${v.errors.inFaultWindows} within fault windows, ${v.errors.outside} outside)${v.errors.samples.length > 0 ? `; e.g. ${v.errors.samples.slice(0, 3).join(' | ')}` : ''}`,
    `  lost counter writes: ${v.lostWrites.lost} over ${v.lostWrites.checked} Redis restarts${v.lostWrites.allowed ? ' (appendfsync everysec: measured, allowed)' : ''}`,
    `  sessions outside faults: fewest ${v.sessions.fewestOutsideFaults ?? 'n/a'} of ${v.sessions.expected ?? 'n/a'} expected${v.sessions.ok ? '' : '  <-- LOST'}`,
    ...r.counter.notes.map((n) => `    ${n}`),
    ...v.reasons.map((s) => `  FAIL: ${s}`),
    `  JSON: ${r.jsonPath}`,
    `  chart: ${r.svgPath}`
  ]
}

/** "pid 123 from 1500 s: 40.1 MiB/h, climbing back (peak 110 ≤ 118 MiB before)" */
function incarnationText (i: Incarnation, fmt: (x: number | null, d?: number) => string): string {
  const slope = i.bytesPerHour === null ? 'too short to judge' : `${fmt(i.bytesPerHour / MIB)} MiB/h`
  const back = i.recovering ? ` climbing back (peak ${fmt(i.peakBytes! / MIB, 0)} <= ${fmt(i.priorPeakBytes! / MIB, 0)} MiB before)` : ''
  return `pid ${i.pid} from ${Math.round(i.firstS)} s: ${slope}${back}`
}
