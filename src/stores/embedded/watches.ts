// Server-side watch tables, in memory only: ZooKeeper does not persist
// watches either (clients re-register them with setWatches on reconnect).
// A per-session reverse index makes dropWatches proportional to what that
// session holds, not to the whole table.

import type { SessionId, WatchKind } from '../../engine/types'

type Table = Map<string, Set<SessionId>>

interface Held {
  data: Set<string>
  child: Set<string>
}

export class WatchTables {
  private readonly tables: Record<WatchKind, Table> = { data: new Map(), child: new Map() }
  private readonly bySession = new Map<SessionId, Held>()
  /** number of (kind, path, session) registrations */
  count = 0

  add(kind: WatchKind, path: string, session: SessionId): void {
    const table = this.tables[kind]
    let watchers = table.get(path)
    if (watchers === undefined) {
      watchers = new Set()
      table.set(path, watchers)
    }
    if (watchers.has(session)) return
    watchers.add(session)
    let held = this.bySession.get(session)
    if (held === undefined) {
      held = { data: new Set(), child: new Set() }
      this.bySession.set(session, held)
    }
    held[kind].add(path)
    this.count++
  }

  /** remove and return the sessions watching path (watches are one-shot) */
  take(kind: WatchKind, path: string): SessionId[] {
    const table = this.tables[kind]
    const watchers = table.get(path)
    if (watchers === undefined) return []
    table.delete(path)
    const out: SessionId[] = []
    for (const session of watchers) {
      out.push(session)
      const held = this.bySession.get(session)
      if (held !== undefined) {
        held[kind].delete(path)
        if (held.data.size === 0 && held.child.size === 0) this.bySession.delete(session)
      }
    }
    this.count -= out.length
    return out
  }

  drop(session: SessionId): void {
    const held = this.bySession.get(session)
    if (held === undefined) return
    this.bySession.delete(session)
    this.dropFrom('data', held.data, session)
    this.dropFrom('child', held.child, session)
  }

  private dropFrom(kind: WatchKind, paths: Set<string>, session: SessionId): void {
    const table = this.tables[kind]
    for (const path of paths) {
      const watchers = table.get(path)
      if (watchers === undefined || !watchers.delete(session)) continue
      this.count--
      if (watchers.size === 0) table.delete(path)
    }
  }
}
