// The node's clocks. Every 100 ms (at most half a tick): one touch for every
// session heard from since the last one (heartbeats.ts). Every tick: expire
// what is past its deadline. Between ticks, every 100 ms: a peek at the
// earliest deadline, and a reap at once if it is due, so a session goes
// within a few hundred ms of its deadline, as on the embedded server
// (EXPIRY_CHECK_MS in server/server.ts), instead of up to a tick later.
// A deadline in Redis lags the last heartbeat by up to a touch interval (the
// batching), so a deadline counts as due only two touch intervals after it
// passed: no node expires a session whose heartbeat is still in some node's
// batch (ZooKeeper never expires a session before its timeout). Every container check
// interval: the container/TTL sweep. Any node may expire any session or
// sweep: the FCALL is atomic, so each expiry happens exactly once however
// many nodes race for it.

import type { Logger } from 'pino'
import type { SessionId } from '../engine/types'
import type { NodeBackend } from './backend'
import type { Heartbeats } from './heartbeats'
import type { ResolvedSweep } from '../server/config'
import { startSweeper } from '../server/sweeper'

/** How often a node looks for a due session between ticks (the embedded server's expiry check). */
export const PEEK_MS = 100

export interface TickerOptions {
  backend: NodeBackend
  heartbeats: Heartbeats
  tickMs: number
  log: Logger
  /** znode.container.*: the container/TTL sweep, run by every node (each FCALL is atomic) */
  sweep: ResolvedSweep
  /** sessions that are gone from Redis (touch found none, or expire closed them) */
  onGone: (sessions: readonly SessionId[], why: string) => void
}

export class Ticker {
  private readonly touchTimer: NodeJS.Timeout
  private readonly expireTimer: NodeJS.Timeout
  private readonly peekTimer: NodeJS.Timeout | undefined
  private readonly sweeper: { stop: () => void }
  // A slow Redis must not pile calls up: a round still running skips the next.
  private touching = false
  private expiring = false
  private peeking = false
  private stopped = false
  /** how often heartbeats are written, hence how far a deadline in Redis may lag */
  private readonly touchEvery: number

  constructor (private readonly opts: TickerOptions) {
    this.touchEvery = Math.max(1, Math.min(PEEK_MS, Math.floor(opts.tickMs / 2)))
    this.touchTimer = setInterval(() => { void this.touch() }, this.touchEvery)
    this.expireTimer = setInterval(() => { void this.expire() }, opts.tickMs)
    // The reap every tick stays whatever the peeks find: it stamps the
    // reaping cadence that rk_reap's outage rule measures (tickMs, passed
    // with every reap); a peek that finds a session due only adds a reap.
    if (PEEK_MS < opts.tickMs) this.peekTimer = setInterval(() => { void this.peek() }, PEEK_MS)
    this.sweeper = startSweeper({
      sweep: opts.sweep,
      log: opts.log,
      run: async (limit, now) => {
        const { deleted } = await opts.backend.sweep(now, { limit, maxNeverUsedMs: opts.sweep.maxNeverUsedMs })
        for (const path of deleted) opts.log.info({ path }, 'swept container')
        return deleted.length
      }
    })
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.touchTimer)
    clearInterval(this.expireTimer)
    if (this.peekTimer !== undefined) clearInterval(this.peekTimer)
    this.sweeper.stop()
  }

  /** One round of heartbeats now (also used at shutdown, so the last ones are not lost). */
  async touch (): Promise<void> {
    if (this.touching) return
    const beats = this.opts.heartbeats.take()
    if (beats.length === 0) return
    this.touching = true
    try {
      const gone = await this.opts.backend.touch(beats)
      if (gone.length > 0 && !this.stopped) this.opts.onGone(gone, 'session expired')
    } catch (err) {
      this.opts.heartbeats.putBack(beats)
      this.opts.log.warn({ err, sessions: beats.length }, 'heartbeat batch failed; retrying next round')
    } finally {
      this.touching = false
    }
  }

  /** Deadlines up to this are due: every node's heartbeats before them are written by now (two touch intervals). */
  private reapTime (): number {
    return Date.now() - 2 * this.touchEvery
  }

  /** A reap now if the earliest deadline has passed; a plain read otherwise (nothing written, no FCALL). */
  private async peek (): Promise<void> {
    if (this.peeking || this.expiring || this.stopped) return
    this.peeking = true
    let due = false
    try {
      const next = await this.opts.backend.nextDeadline()
      due = next !== undefined && next <= this.reapTime()
    } catch (err) {
      // the reap of the next tick reports an unreachable store
      this.opts.log.debug({ err }, 'deadline peek failed')
    } finally {
      this.peeking = false
    }
    if (due) await this.expire()
  }

  private async expire (): Promise<void> {
    if (this.expiring || this.stopped) return
    this.expiring = true
    try {
      const { expired } = await this.opts.backend.expire(this.reapTime(), this.opts.tickMs)
      if (expired.length === 0) return
      for (const id of expired) this.opts.log.info({ session: `0x${id.toString(16)}` }, 'session expired')
      // The 'expired' notice reaches every node, this one too; acting here as
      // well costs nothing and does not depend on pub/sub.
      if (!this.stopped) this.opts.onGone(expired, 'session expired')
    } catch (err) {
      this.opts.log.warn({ err }, 'session expiry round failed')
    } finally {
      this.expiring = false
    }
  }
}
