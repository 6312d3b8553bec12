// ZooKeeper's maxClientCnxns: at most this many open connections from one
// client address on the ZooKeeper port. A connection past it is closed at
// once, before a byte is read (as NIOServerCnxnFactory does), so a client
// flooding the port cannot starve the others of descriptors or memory.
// Shared by the embedded server and the sidecar (the two ZooKeeper ports).

import type { Socket } from 'node:net'
import type { Logger } from 'pino'

/**
 * Watch registrations per session (the engine's Context.maxWatches). Far
 * above what HBase (O(region servers + tables) per session) or Kafka's
 * ZooKeeper-mode controller (O(topics)) hold, yet it caps one session's
 * share of the watch tables at roughly a hundred MB instead of "until the
 * heap or Redis runs out".
 */
export const DEFAULT_MAX_WATCHES_PER_SESSION = 1_000_000

/** ZooKeeper's default; 0 means no limit. */
export const DEFAULT_MAX_CLIENT_CNXNS = 60

/** A refused address is logged at most this often, so a flood cannot flood the log. */
const LOG_EVERY_MS = 60_000

export class ClientCnxnLimit {
  private readonly open = new Map<string, number>()
  private readonly lastLogged = new Map<string, number>()
  /** connections refused since start */
  refused = 0

  constructor (readonly max: number, private readonly log: Logger) {}

  /**
   * Counts `socket` against its address and uncounts it when it closes;
   * false (and the socket destroyed) when the address is at the limit.
   */
  admit (socket: Socket): boolean {
    if (this.max <= 0) return true
    // a socket already reset by its peer has no address: let the caller's
    // handling see it close like any other
    const ip = socket.remoteAddress ?? ''
    const n = this.open.get(ip) ?? 0
    if (n >= this.max) {
      this.refused++
      this.warn(ip)
      socket.destroy()
      return false
    }
    this.open.set(ip, n + 1)
    socket.once('close', () => {
      const left = (this.open.get(ip) ?? 1) - 1
      if (left <= 0) this.open.delete(ip)
      else this.open.set(ip, left)
    })
    return true
  }

  private warn (ip: string): void {
    const now = Date.now()
    const last = this.lastLogged.get(ip)
    if (last !== undefined && now - last < LOG_EVERY_MS) return
    this.lastLogged.set(ip, now)
    // forget old entries so the map stays as small as the set of recent offenders
    for (const [k, t] of this.lastLogged) if (now - t >= LOG_EVERY_MS) this.lastLogged.delete(k)
    this.log.warn({ ip, max: this.max }, `Too many connections from ${ip} - max is ${this.max}`)
  }
}
