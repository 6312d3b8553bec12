// ZooKeeper's ContainerManager timer, shared by the embedded server and the
// service node: every checkIntervalMs, run the engine's sweep (engine/sweep.ts)
// within a budget of maxPerMinute deletions per minute. What to delete and how
// is the engine's; this file only decides when, and how many.

import type { Logger } from 'pino'
import type { ResolvedSweep } from './config'

/**
 * maxPerMinute as a token bucket: ZooKeeper spaces deletions 60000/maxPerMinute
 * ms apart within one pass; deleting in bursts up to the same per-minute total
 * removes as much in any minute without sleeping between deletions.
 */
export class SweepBudget {
  private tokens: number
  private last: number

  constructor (private readonly perMinute: number, now: number) {
    this.tokens = perMinute
    this.last = now
  }

  /** Whole deletions allowed now. */
  available (now: number): number {
    const elapsed = now - this.last
    this.last = now
    if (elapsed > 0) this.tokens = Math.min(this.perMinute, this.tokens + elapsed * this.perMinute / 60000)
    return Math.floor(this.tokens)
  }

  spend (n: number): void {
    this.tokens -= n
  }
}

export interface SweeperOptions {
  sweep: ResolvedSweep
  log: Logger
  /** one sweep of at most `limit` deletions; resolves to how many were made */
  run: (limit: number, now: number) => Promise<number> | number
}

/** Starts the periodic sweep (first run after one interval, as ZooKeeper's timer). */
export function startSweeper (opts: SweeperOptions): { stop: () => void } {
  const budget = new SweepBudget(opts.sweep.maxPerMinute, Date.now())
  let running = false
  let stopped = false
  const tick = async (): Promise<void> => {
    // a slow store must not pile sweeps up: one still running skips this one
    if (running || stopped) return
    const now = Date.now()
    const limit = budget.available(now)
    if (limit <= 0) return
    running = true
    try {
      const n = await opts.run(limit, now)
      budget.spend(n)
    } catch (err) {
      opts.log.warn({ err }, 'container sweep failed; retrying next interval')
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => { void tick() }, opts.sweep.checkIntervalMs)
  timer.unref()
  return {
    stop () {
      stopped = true
      clearInterval(timer)
    }
  }
}
