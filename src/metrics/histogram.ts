// A Prometheus histogram with fixed buckets. observe() is a loop over a
// short array and three number writes: no allocation, so it can sit on the
// request path. Counts are kept per bucket and made cumulative only when
// scraped.

/**
 * Seconds, from 50 µs to 10 s: a ZooKeeper request lives in this range (a
 * read from memory takes tens of microseconds, so the low end is fine-grained).
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

export class Histogram {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is +Inf */
  private readonly counts: Float64Array
  sum = 0
  count = 0

  constructor (readonly bounds: readonly number[] = LATENCY_BUCKETS) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe (v: number): void {
    let i = 0
    const b = this.bounds
    while (i < b.length && v > b[i]) i++
    this.counts[i]++
    this.sum += v
    this.count++
  }

  /** Cumulative counts per bound, then +Inf (== count). */
  cumulative (): number[] {
    const out: number[] = []
    let acc = 0
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i]
      out.push(acc)
    }
    return out
  }
}
