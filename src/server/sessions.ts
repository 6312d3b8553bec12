// Which connection currently holds which session, and how new session ids
// are chosen. A session outlives its connections: it is only ever attached
// to one at a time, and a client that reconnects takes it over.

import type { SessionId } from '../engine/types'

/** The one connection holding each attached session. */
export class SessionRegistry<C> {
  private readonly holders = new Map<SessionId, C>()

  /** Attaches `id` to `conn`; returns the connection that held it before, if any. */
  attach (id: SessionId, conn: C): C | undefined {
    const previous = this.holders.get(id)
    this.holders.set(id, conn)
    return previous === conn ? undefined : previous
  }

  /** Detaches `id` only if `conn` still holds it (a newer connection may have taken it over). */
  detach (id: SessionId, conn: C): void {
    if (this.holders.get(id) === conn) this.holders.delete(id)
  }

  holder (id: SessionId): C | undefined {
    return this.holders.get(id)
  }

  get size (): number {
    return this.holders.size
  }

  /** every holder (a connection holds one session, so each appears once) */
  values (): IterableIterator<C> {
    return this.holders.values()
  }
}

// 2^11 ids per millisecond keeps ids below 2^53 until the year 2109:
// Date.now() * 2048 < 2^53 while Date.now() < 4.4e12.
const IDS_PER_MS = 2048

/**
 * Session ids unique across restarts without persisting a counter: the clock
 * (ms) scaled up, plus a counter for ids handed out within one ms. A restart
 * resumes from the clock, which has moved on; `taken` catches the odd clash
 * with an id the store still holds (clock stepped back).
 */
export class SessionIdAllocator {
  private last = 0

  next (taken: (id: SessionId) => boolean, now = Date.now()): SessionId {
    let id = Math.max(this.last + 1, now * IDS_PER_MS)
    while (taken(id)) id++
    if (id > Number.MAX_SAFE_INTEGER) throw new RangeError('session id space exhausted (clock beyond 2109?)')
    this.last = id
    return id
  }
}
