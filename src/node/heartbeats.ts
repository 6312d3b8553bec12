// Heartbeats batched per node. Every message from a sidecar proves its
// session alive, but writing a deadline to Redis per message would cost a
// Redis write per ping. Instead the node notes who it heard from and pushes
// all their deadlines out in ONE call per half tick (ticker.ts).

import type { SessionId } from '../engine/types'

export class Heartbeats {
  private heard = new Set<SessionId>()

  /** Called on every message of an attached session: a Set add, nothing more. */
  beat (session: SessionId): void {
    this.heard.add(session)
  }

  /**
   * The sessions heard from since the last take. Only those are touched:
   * touching a quiet session again would push its deadline past "timeout
   * after the last heartbeat" (docs/protocol.md, Liveness).
   */
  take (): SessionId[] {
    if (this.heard.size === 0) return []
    const ids = Array.from(this.heard)
    this.heard = new Set()
    return ids
  }

  /** A touch that failed: try these again next round. */
  putBack (ids: readonly SessionId[]): void {
    for (const id of ids) this.heard.add(id)
  }
}
