// Heartbeats batched per node. Every message from a sidecar proves its
// session alive, but writing a deadline to Redis per message would cost a
// Redis write per ping. Instead the node notes who it heard from and pushes
// all their deadlines out in ONE call per half tick (ticker.ts).

import type { SessionId } from '../engine/types'

export type Beat = readonly [SessionId, number]

export class Heartbeats {
  /** session → when it was last heard from (ms) */
  private heard = new Map<SessionId, number>()

  /** Called on every message of an attached session: a Map set, nothing more. */
  beat (session: SessionId, now = Date.now()): void {
    this.heard.set(session, now)
  }

  /**
   * The sessions heard from since the last take, with when. Only those are
   * touched, each to "its last heartbeat + timeout" (docs/protocol.md,
   * Liveness): touching a quiet one again would push its deadline out.
   */
  take (): Beat[] {
    if (this.heard.size === 0) return []
    const beats = Array.from(this.heard)
    this.heard = new Map()
    return beats
  }

  /** A touch that failed: try these again next round (a newer beat wins). */
  putBack (beats: readonly Beat[]): void {
    for (const [id, at] of beats) {
      const newer = this.heard.get(id)
      if (newer === undefined || newer < at) this.heard.set(id, at)
    }
  }
}
