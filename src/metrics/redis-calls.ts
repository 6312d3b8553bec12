// Round trips to Redis as a node sees them: one histogram and one error
// count per Redis Function (FCALL name), fed by RedisEngine's call observer.

import type { Exposition } from './exposition'
import { Histogram } from './histogram'

class CallSeries {
  readonly latency = new Histogram()
  errors = 0
}

export class RedisCallMetrics {
  private readonly byFn = new Map<string, CallSeries>()

  /** Matches RedisEngine's FcallObserver. */
  readonly record = (fn: string, seconds: number, failed: boolean): void => {
    let s = this.byFn.get(fn)
    if (s === undefined) {
      s = new CallSeries()
      this.byFn.set(fn, s)
    }
    s.latency.observe(seconds)
    if (failed) s.errors++
  }

  write (out: Exposition): void {
    const fns = [...this.byFn.keys()].sort()
    out.family('redkeeper_redis_call_duration_seconds', 'histogram', 'Round trip of one FCALL to Redis, by function, failures included')
    for (const fn of fns) out.histogram('redkeeper_redis_call_duration_seconds', (this.byFn.get(fn) as CallSeries).latency, { function: fn })
    out.family('redkeeper_redis_errors_total', 'counter', 'FCALLs that failed (Redis error reply or connection failure), by function')
    for (const fn of fns) out.sample('redkeeper_redis_errors_total', (this.byFn.get(fn) as CallSeries).errors, { function: fn })
  }
}
