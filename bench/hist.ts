// A fixed log-linear latency histogram (HdrHistogram's layout, reduced):
// values in whole microseconds, exact below 64 µs, then 64 sub-buckets per
// power of two (≤ 1.6 % relative error). Every worker fills its own; the
// orchestrator merges them by adding counts, which is exact, unlike merging
// percentiles. Recording is one clz32 and an array increment: no allocation
// on the load generator's hot path.

const SUB = 64
const SUB_BITS = 6
/** the largest recordable value, µs (≈ 35 min); larger values are clamped */
export const MAX_MICROS = 0x7fffffff
const BUCKETS = SUB + (31 - SUB_BITS) * SUB

/** A histogram as it crosses process boundaries: [bucket, count] pairs of the non-empty buckets. */
export type SparseHistogram = Array<[number, number]>

export function bucketOf (micros: number): number {
  const v = micros <= 0 ? 0 : micros >= MAX_MICROS ? MAX_MICROS : Math.floor(micros)
  if (v < SUB) return v
  const e = 31 - Math.clz32(v)
  return SUB + (e - SUB_BITS) * SUB + ((v >>> (e - SUB_BITS)) - SUB)
}

/** The value a bucket stands for, µs: the middle of its range. */
export function valueOf (bucket: number): number {
  if (bucket < SUB) return bucket
  const e = Math.floor((bucket - SUB) / SUB) + SUB_BITS
  const width = 2 ** (e - SUB_BITS)
  const low = (SUB + ((bucket - SUB) % SUB)) * width
  return low + (width - 1) / 2
}

export class Histogram {
  readonly counts = new Float64Array(BUCKETS)
  total = 0
  max = 0

  /** Records one latency given in milliseconds (performance.now() differences). */
  recordMs (ms: number): void {
    const us = ms * 1000
    this.counts[bucketOf(us)]++
    this.total++
    if (us > this.max) this.max = us
  }

  merge (other: Histogram | SparseHistogram): this {
    const pairs = other instanceof Histogram ? other.toSparse() : other
    for (const [b, n] of pairs) {
      if (!Number.isInteger(b) || b < 0 || b >= BUCKETS || !(n >= 0)) throw new RangeError(`histogram bucket ${b} (count ${n}) is out of range`)
      this.counts[b] += n
      this.total += n
      const v = valueOf(b)
      if (n > 0 && v > this.max) this.max = v
    }
    return this
  }

  /** The p-quantile (0 < p ≤ 1) in milliseconds; NaN when empty. */
  percentileMs (p: number): number {
    if (this.total === 0) return NaN
    const rank = Math.max(1, Math.ceil(p * this.total))
    let seen = 0
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]
      if (seen >= rank) return valueOf(b) / 1000
    }
    return this.max / 1000
  }

  toSparse (): SparseHistogram {
    const out: SparseHistogram = []
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b] > 0) out.push([b, this.counts[b]])
    return out
  }

  static fromSparse (pairs: SparseHistogram): Histogram {
    return new Histogram().merge(pairs)
  }
}
