// A request rate per client address on the HTTP API (--api-rate-limit): one
// token bucket per address, in this process's memory only (each node counts
// its own callers; behind a load balancer the address is the balancer's).
// Past the bucket a request gets 429 RATE_LIMITED with Retry-After before
// anything else runs (no auth, no body parsing, no store access).
//
// Not limited: the probes (/healthz, /readyz, /metrics: an orchestrator must
// always see the process) and the ZooKeeper WebSockets /v1/zk and /v1/zk/mux. A sidecar opens
// one WebSocket per ZooKeeper connection (a few shared ones with mux) and re-opens all of them at once when
// a node dies: a REST rate would refuse that reconnection burst and expire
// sessions. ZooKeeper connections have their own bound (--max-client-cnxns on
// the sidecar), and the messages inside a WebSocket never pass through here.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface RateLimitOptions {
  /** sustained requests per second per address */
  perSecond: number
  /** requests an idle address may send at once (the bucket's size) */
  burst: number
}

/** Routes never limited (exact paths, without the query). */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics', '/v1/zk', '/v1/zk/mux'])

/** Addresses remembered at most: a flood of spoofed sources cannot grow the map without bound. */
export const MAX_TRACKED_ADDRESSES = 100_000

interface Bucket {
  tokens: number
  /** ms (monotonic) when `tokens` was last brought up to date */
  at: number
}

/** The token buckets; pure apart from the clock it is handed. */
export class RateBuckets {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number

  constructor (readonly opts: RateLimitOptions, private readonly maxTracked = MAX_TRACKED_ADDRESSES) {
    this.perMs = opts.perSecond / 1000
  }

  get size (): number { return this.buckets.size }

  /** Takes one token for `key` at `now`: 0 if allowed, else the ms until a token is back. */
  take (key: string, now: number): number {
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= this.maxTracked) this.evict(now)
      b = { tokens: this.opts.burst, at: now }
      this.buckets.set(key, b)
    } else {
      b.tokens = Math.min(this.opts.burst, b.tokens + (now - b.at) * this.perMs)
      b.at = now
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil((1 - b.tokens) / this.perMs)
  }

  /** Forgets buckets that are full again (their address is idle); if none is, the oldest. */
  evict (now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.opts.burst) this.buckets.delete(k)
    }
    if (this.buckets.size >= this.maxTracked) {
      const oldest = this.buckets.keys().next()
      if (oldest.done !== true) this.buckets.delete(oldest.value)
    }
  }
}

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.substring(0, q)
}

/** Adds the limit to `app` (the root instance, before the routes). */
export function rateLimitRequests (app: FastifyInstance, opts: RateLimitOptions): void {
  const buckets = new RateBuckets(opts)
  // idle addresses are forgotten now and then, so the map tracks only the active ones
  const sweep = setInterval(() => buckets.evict(performance.now()), 10_000)
  sweep.unref()
  app.addHook('onClose', (_app, done) => { clearInterval(sweep); done() })
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    if (EXEMPT.has(pathOf(req.url))) { done(); return }
    const waitMs = buckets.take(req.ip, performance.now())
    if (waitMs === 0) { done(); return }
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000))
    void reply.code(429).header('retry-after', String(retryAfter)).send({
      error: 'RATE_LIMITED',
      message: `more than ${opts.perSecond} requests per second (burst ${opts.burst}) from ${req.ip}; retry after ${retryAfter} s`
    })
  })
}
