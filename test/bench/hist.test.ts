import t from 'tap'
import { Histogram, MAX_MICROS, bucketOf, valueOf } from '../../bench/hist'

// The bench's latency histogram: bucket bounds, percentiles, and merging
// across workers (the orchestrator adds the workers' sparse histograms).

t.test('buckets are exact below 64 µs and within 1.6 % above', async (t) => {
  for (let us = 0; us < 64; us++) t.equal(valueOf(bucketOf(us)), us)
  for (const us of [64, 65, 100, 127, 128, 1000, 4095, 4096, 123_456, 9_999_999, 1_000_000_000]) {
    const v = valueOf(bucketOf(us))
    t.ok(Math.abs(v - us) / us <= 1 / 64, `${us} µs → ${v}`)
  }
  t.ok(bucketOf(1e12) === bucketOf(MAX_MICROS), 'values beyond the range are clamped')
  let last = -1
  const backwards: number[] = []
  for (let us = 0; us < 1_000_000; us += 97) {
    const b = bucketOf(us)
    if (b < last) backwards.push(us)
    last = b
  }
  t.same(backwards, [], 'bucketOf is monotonic')
})

t.test('percentiles of a known distribution', async (t) => {
  const h = new Histogram()
  for (let i = 1; i <= 1000; i++) h.recordMs(i / 100) // 0.01 … 10 ms
  t.equal(h.total, 1000)
  t.ok(Math.abs(h.percentileMs(0.5) - 5) / 5 < 0.02, `p50 ${h.percentileMs(0.5)}`)
  t.ok(Math.abs(h.percentileMs(0.99) - 9.9) / 9.9 < 0.02, `p99 ${h.percentileMs(0.99)}`)
  t.ok(Math.abs(h.percentileMs(1) - 10) / 10 < 0.02, `max ${h.percentileMs(1)}`)
  t.ok(Number.isNaN(new Histogram().percentileMs(0.5)), 'empty: NaN')
})

t.test('merging sparse histograms equals recording everything in one', async (t) => {
  const a = new Histogram()
  const b = new Histogram()
  const all = new Histogram()
  for (let i = 0; i < 5000; i++) {
    const ms = (i * 7919 % 10007) / 97
    ;(i % 3 === 0 ? a : b).recordMs(ms)
    all.recordMs(ms)
  }
  // through JSON, as the IPC channel carries it
  const merged = Histogram.fromSparse(JSON.parse(JSON.stringify(a.toSparse()))).merge(JSON.parse(JSON.stringify(b.toSparse())))
  t.equal(merged.total, all.total)
  t.same(Array.from(merged.counts), Array.from(all.counts))
  for (const p of [0.5, 0.9, 0.99, 0.999]) t.equal(merged.percentileMs(p), all.percentileMs(p), `p${p * 100}`)
  t.throws(() => new Histogram().merge([[1e9, 1]]), RangeError, 'a bucket out of range is refused')
})
