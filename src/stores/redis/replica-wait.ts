// Replica acknowledgement (WAIT) with group commit.
//
// Redis replication is asynchronous: a write answered by the primary may be
// missing on the replica a failover promotes. WAIT n t blocks the calling
// connection until n replicas have acknowledged the replication offset of
// that connection's own last write (client->woff), or t ms passed, and says
// how many did. Two consequences shape this file:
//
// - WAIT on the engine's connection would block every call queued behind it
//   (reads, heartbeats) for up to t ms when a replica is slow. So WAIT runs
//   on a connection of its own.
// - A connection that wrote nothing waits for nothing (its woff is 0). So
//   each WAIT is preceded, on the same connection, by a tiny write (INCR of
//   `{ns}:acks`). The replication offset is global: once the FCALLs to be
//   covered have been answered, they are in the replication stream, and
//   offset(INCR) ≥ offset(each of them). WAIT then covers them all.
//
// Group commit: every confirm() of one event-loop turn shares one INCR+WAIT,
// and while one is in flight the next group collects (Redis would not run a
// second WAIT on this connection before the first returned anyway).

import type { Redis } from 'ioredis'

/** The write was applied on the primary but not confirmed by enough replicas: its fate on failover is unknown. */
export class ReplicaAckError extends Error {
  override name = 'ReplicaAckError'
  constructor (readonly acked: number, readonly wanted: number, readonly timeoutMs: number, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? `${acked} of ${wanted} replica(s) acknowledged within ${timeoutMs} ms`, options)
  }
}

export interface ReplicaWaitOptions {
  /** replicas that must acknowledge (WAIT's numreplicas), ≥ 1 */
  replicas: number
  /** WAIT's timeout in ms, ≥ 1 */
  timeoutMs: number
}

/**
 * ioredis' own limit on the WAIT call: past WAIT's timeout by this much,
 * Redis itself is not answering (a down connection queues the call
 * offline), and the write is reported unconfirmed all the same.
 */
const ANSWER_SLACK_MS = 1000

interface Waiting {
  resolve: () => void
  reject: (err: ReplicaAckError) => void
}

export class ReplicaWaiter {
  readonly replicas: number
  readonly timeoutMs: number
  private readonly key: string
  private next: Waiting[] = []
  private scheduled = false
  private inFlight = false
  private closed = false

  /**
   * @param redis a connection of its own (it blocks in WAIT); the waiter owns and closes it
   * @param key the namespace's hash tag "{ns}": the INCR'd key lives in its slot
   */
  constructor (private readonly redis: Redis, key: string, opts: ReplicaWaitOptions) {
    if (!Number.isSafeInteger(opts.replicas) || opts.replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${opts.replicas}`)
    if (!Number.isSafeInteger(opts.timeoutMs) || opts.timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${opts.timeoutMs}`)
    this.replicas = opts.replicas
    this.timeoutMs = opts.timeoutMs
    this.key = `${key}:acks`
    redis.options.commandTimeout = opts.timeoutMs + ANSWER_SLACK_MS
    // ioredis reconnects by itself; a failure reaches the caller as a failed WAIT
    redis.on('error', () => {})
  }

  /**
   * Resolves once `replicas` replicas hold every write Redis had answered
   * before this call; rejects with ReplicaAckError if they do not within the
   * timeout (or Redis does not answer the WAIT).
   */
  confirm (): Promise<void> {
    if (this.closed) return Promise.reject(new ReplicaAckError(0, this.replicas, this.timeoutMs, 'the replica waiter is closed'))
    return new Promise((resolve, reject) => {
      this.next.push({ resolve, reject })
      if (!this.scheduled && !this.inFlight) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** How many replicas the primary has connected now (INFO replication), for a start-up warning. */
  async connectedReplicas (): Promise<number> {
    const info = await this.redis.info('replication')
    const m = /^connected_slaves:(\d+)/m.exec(info)
    return m === null ? 0 : Number(m[1])
  }

  /** Fails the callers still waiting and drops the connection (a WAIT in flight fails with it). */
  async close (): Promise<void> {
    this.closed = true
    const left = this.next
    this.next = []
    for (const w of left) w.reject(new ReplicaAckError(0, this.replicas, this.timeoutMs, 'the replica waiter is closed'))
    // No QUIT: a WAIT in flight would hold it back for its whole timeout, and
    // with Redis down it would never be answered while ioredis reconnects.
    this.redis.disconnect()
  }

  private flush (): void {
    this.scheduled = false
    if (this.next.length === 0) return
    const group = this.next
    this.next = []
    this.inFlight = true
    this.waitOnce().then((acked) => {
      if (acked >= this.replicas) {
        for (const w of group) w.resolve()
      } else {
        const err = new ReplicaAckError(acked, this.replicas, this.timeoutMs)
        for (const w of group) w.reject(err)
      }
    }, (cause: unknown) => {
      const err = new ReplicaAckError(0, this.replicas, this.timeoutMs, `WAIT failed: ${(cause as Error).message}`, { cause })
      for (const w of group) w.reject(err)
    }).finally(() => {
      this.inFlight = false
      if (this.next.length > 0) this.flush()
    })
  }

  /** INCR then WAIT in one write; WAIT's answer is the number of replicas that acknowledged. */
  private async waitOnce (): Promise<number> {
    const res = await this.redis.pipeline().incr(this.key).call('WAIT', String(this.replicas), String(this.timeoutMs)).exec()
    if (res === null) throw new Error('the pipeline was discarded')
    for (const [err] of res) if (err !== null) throw err
    const acked = res[1][1]
    if (typeof acked !== 'number') throw new Error(`WAIT answered ${String(acked)}`)
    return acked
  }
}
