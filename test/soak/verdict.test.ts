// The soak verdict's arithmetic on made-up samples (pure, no processes).

import t from 'tap'
import { judge, pooledSlope, slotGrowth, type Sample } from './verdict'

const MIB = 2 ** 20
const opts = { growthLimitBytesPerHour: 32 * MIB, p99RatioLimit: 2, warmupS: 60, lostWrites: { checked: 0, lost: 0, allowed: false } }

function sample (t: number, bytes: number, pid: number, extra: Partial<Sample> = {}): Sample {
  return { t, ops: 100, opsPerSec: 10, p50Ms: 1, p99Ms: 5, errors: 0, errorSamples: [], inFault: false, memory: { node0: { bytes, pid } }, sessions: 1, znodes: 1, ...extra }
}

t.test('pooledSlope fits one slope across segments with their own intercepts', async (t) => {
  const { slope } = pooledSlope([[[0, 0], [10, 10]], [[20, 100], [30, 110]]])
  t.equal(slope, 1)
  t.equal(pooledSlope([[[0, 1]]]).slope, null, 'too few points')
})

t.test('a steady process is not growth; a leak is', async (t) => {
  const flat = Array.from({ length: 90 }, (_, i) => sample(i * 10, 100 * MIB + (i % 2) * MIB, 1))
  t.ok(judge(flat, opts).ok)
  const leak = Array.from({ length: 90 }, (_, i) => sample(i * 10, 100 * MIB + i * 10 * (100 * MIB / 3600), 1))
  const v = judge(leak, opts)
  t.notOk(v.ok)
  t.ok(Math.abs(v.growth[0].bytesPerHour! - 100 * MIB) < MIB, 'about 100 MiB/h')
  t.match(v.reasons[0], /node0 grows/)
})

t.test('a restart (new pid, small RSS, warming up) is neither growth nor shrinkage', async (t) => {
  const s: Sample[] = []
  for (let i = 0; i < 90; i++) {
    const restarted = i >= 50
    // after the restart: 60 s of warm-up from 50 MiB, then flat at 100 MiB
    const bytes = !restarted ? 100 * MIB : i - 50 < 6 ? (50 + (i - 50) * 8) * MIB : 100 * MIB
    s.push(sample(i * 10, bytes, restarted ? 2 : 1))
  }
  const g = slotGrowth(s, 'node0', 60)
  t.ok(g.bytesPerHour !== null && Math.abs(g.bytesPerHour) < MIB, `slope ${g.bytesPerHour}`)
})

t.test('errors count against the verdict only outside fault windows; p99 is compared outside them', async (t) => {
  const s = Array.from({ length: 30 }, (_, i) => sample(i * 10, 100 * MIB, 1, i === 10 ? { errors: 7, inFault: true, p99Ms: 900 } : {}))
  const v = judge(s, opts)
  t.ok(v.ok)
  t.equal(v.errors.inFaultWindows, 7)
  t.equal(v.p99.ratio, 1)
  s[20] = { ...s[20], errors: 1, errorSamples: ['getData: connection loss'] }
  const w = judge(s, opts)
  t.notOk(w.ok)
  t.equal(w.errors.outside, 1)
  t.notOk(judge(s.map((x) => x.t > 200 ? { ...x, p99Ms: 50, errors: 0 } : { ...x, errors: x.inFault ? x.errors : 0 }), opts).p99.ok, 'p99 ten times higher at the end')
  t.notOk(judge(flatten(s), { ...opts, lostWrites: { checked: 3, lost: 2, allowed: false } }).ok, 'lost writes fail unless allowed')
  t.ok(judge(flatten(s), { ...opts, lostWrites: { checked: 3, lost: 2, allowed: true } }).ok)
})

function flatten (s: Sample[]): Sample[] {
  return s.map((x) => ({ ...x, errors: x.inFault ? x.errors : 0 }))
}

t.test('a live session gone outside a fault window fails the verdict', async (t) => {
  const s = Array.from({ length: 10 }, (_, i) => sample(i * 10, 100 * MIB, 1, { sessions: i >= 5 ? 3 : 5, inFault: i === 5 }))
  const v = judge(s, { ...opts, expectedSessions: 5 })
  t.notOk(v.sessions.ok)
  t.equal(v.sessions.fewestOutsideFaults, 3)
  t.ok(judge(s.map((x) => ({ ...x, sessions: x.inFault ? 3 : 5 })), { ...opts, expectedSessions: 5 }).ok, 'within a fault window it may dip')
})

/** samples of one slot: [t, MiB, pid] */
function series (points: Array<[number, number, number]>): Sample[] {
  return points.map(([t, mib, pid]) => sample(t, mib * MIB, pid))
}

t.test('a restarted process climbing slowly back to its slot\'s level is recovery, not growth', async (t) => {
  // as the 30-min soak's node2: ~112-117 MiB, killed (here at 30 min), back
  // at 70 and climbing for the rest of the run toward the level it held
  const pts: Array<[number, number, number]> = []
  for (let t = 10; t <= 3600; t += 10) {
    if (t < 1800) pts.push([t, 112 + (t % 50 === 0 ? 5 : 0), 1])
    else pts.push([t, 70 + (t - 1800) * (40 / 1800), 2])
  }
  const v = judge(series(pts), { ...opts, warmupS: 300 })
  const g = v.growth[0]
  t.ok(v.ok, v.reasons.join('; '))
  t.equal(g.incarnations.length, 2)
  t.ok(g.incarnations[1].recovering, 'the restarted one climbs back')
  t.ok(g.incarnations[1].bytesPerHour! > 32 * MIB, 'with a slope that, alone, would fail')
  t.ok(g.bytesPerHour !== null && Math.abs(g.bytesPerHour) < 4 * MIB, `the first process, flat, is what is judged: ${(g.bytesPerHour ?? NaN) / MIB} MiB/h`)
})

t.test('a restarted process that climbs past its slot\'s level and keeps going is growth', async (t) => {
  const pts: Array<[number, number, number]> = []
  for (let t = 10; t <= 3600; t += 10) pts.push(t < 1080 ? [t, 112, 1] : [t, 70 + (t - 1080) * (100 / 2520), 2])
  const v = judge(series(pts), { ...opts, warmupS: 300 })
  t.notOk(v.ok)
  t.notOk(v.growth[0].incarnations[1].recovering, '170 MiB is past the 112 it held')
  t.match(v.reasons.join(';'), /node0 grows/)
})

t.test('a leak is not hidden by a restart: the process that leaked before it is judged on its own', async (t) => {
  // leaks 60 MiB/h, killed at 40 min (back at 50, recovering below its level)
  const pts: Array<[number, number, number]> = []
  for (let t = 10; t <= 3600; t += 10) pts.push(t < 2400 ? [t, 100 + t * (60 / 3600), 1] : [t, 50 + (t - 2400) * (30 / 1200), 2])
  const v = judge(series(pts), { ...opts, warmupS: 300 })
  t.notOk(v.ok)
  t.ok(Math.abs(v.growth[0].bytesPerHour! - 60 * MIB) < 2 * MIB, `about 60 MiB/h: ${v.growth[0].bytesPerHour! / MIB}`)
})

t.test('an incarnation too short after its warm-up is not judged', async (t) => {
  const pts: Array<[number, number, number]> = []
  for (let t = 10; t <= 3600; t += 10) pts.push(t < 3300 ? [t, 100, 1] : [t, 200 + (t - 3300), 2])
  const g = judge(series(pts), { ...opts, warmupS: 300 }).growth[0]
  t.equal(g.incarnations[1].bytesPerHour, null, 'killed 5 min before the end: nothing left after its warm-up')
  t.ok(g.bytesPerHour !== null && Math.abs(g.bytesPerHour) < MIB)
})
