// Server-side watch tables, in memory only: ZooKeeper does not persist
// watches either (clients re-register them with setWatches on reconnect).
// A per-session reverse index makes dropWatches proportional to what that
// session holds, not to the whole table. Each registration carries its mode
// (engine/types.ts WatchMode); a count of recursive ones lets triggers skip
// the ancestor walk when there are none, as ZooKeeper's WatcherModeManager.

import { WatchMode, type SessionId, type WatchKind } from '../../engine/types'

/** path → session → mode */
type Table = Map<string, Map<SessionId, WatchMode>>

interface Held {
  data: Set<string>
  child: Set<string>
}

export class WatchTables {
  private readonly tables: Record<WatchKind, Table> = { data: new Map(), child: new Map() }
  private readonly bySession = new Map<SessionId, Held>()
  /** number of (kind, path, session) registrations */
  count = 0
  /** how many of them are Recursive */
  recursive = 0

  /** registrations `session` holds, in both tables */
  countHeldBy(session: SessionId): number {
    const held = this.bySession.get(session)
    return held === undefined ? 0 : held.data.size + held.child.size
  }

  add(kind: WatchKind, path: string, session: SessionId, mode: WatchMode = WatchMode.Standard): void {
    const table = this.tables[kind]
    let watchers = table.get(path)
    if (watchers === undefined) {
      watchers = new Map()
      table.set(path, watchers)
    }
    const before = watchers.get(session)
    watchers.set(session, mode)
    if (before !== undefined) {
      // a new registration replaces the mode
      if (before === WatchMode.Recursive) this.recursive--
      if (mode === WatchMode.Recursive) this.recursive++
      return
    }
    if (mode === WatchMode.Recursive) this.recursive++
    let held = this.bySession.get(session)
    if (held === undefined) {
      held = { data: new Set(), child: new Set() }
      this.bySession.set(session, held)
    }
    held[kind].add(path)
    this.count++
  }

  /** the sessions watching exactly path (Recursive ones only if asked); one-shot registrations are consumed */
  take(kind: WatchKind, path: string, withRecursive: boolean): SessionId[] {
    const table = this.tables[kind]
    const watchers = table.get(path)
    if (watchers === undefined) return []
    const out: SessionId[] = []
    for (const [session, mode] of watchers) {
      if (mode === WatchMode.Recursive && !withRecursive) continue
      out.push(session)
      if (mode === WatchMode.Standard) this.forget(kind, path, session, watchers)
    }
    if (watchers.size === 0) table.delete(path)
    return out
  }

  recursiveAt(kind: WatchKind, path: string): SessionId[] {
    const watchers = this.tables[kind].get(path)
    const out: SessionId[] = []
    if (watchers === undefined) return out
    for (const [session, mode] of watchers) {
      if (mode === WatchMode.Recursive) out.push(session)
    }
    return out
  }

  has(kind: WatchKind, path: string): boolean {
    return this.tables[kind].has(path)
  }

  remove(kind: WatchKind, path: string, session: SessionId): boolean {
    const table = this.tables[kind]
    const watchers = table.get(path)
    if (watchers === undefined || !watchers.has(session)) return false
    this.forget(kind, path, session, watchers)
    if (watchers.size === 0) table.delete(path)
    return true
  }

  drop(session: SessionId): void {
    const held = this.bySession.get(session)
    if (held === undefined) return
    this.bySession.delete(session)
    this.dropFrom('data', held.data, session)
    this.dropFrom('child', held.child, session)
  }

  // ---- read-only views for the four-letter words (wchs, wchc, wchp) ----

  /** path → its watching sessions, in table `kind` */
  *byPath(kind: WatchKind): IterableIterator<readonly [string, Iterable<SessionId>]> {
    for (const [path, watchers] of this.tables[kind]) yield [path, watchers.keys()]
  }

  /** each session holding a watch in table `kind` → its paths there */
  *sessionsIn(kind: WatchKind): IterableIterator<readonly [SessionId, Iterable<string>]> {
    for (const [session, held] of this.bySession) {
      if (held[kind].size > 0) yield [session, held[kind]]
    }
  }

  /** the session's registrations with their modes (REST inspection) */
  heldBy(session: SessionId): Array<readonly [WatchKind, string, WatchMode]> {
    const held = this.bySession.get(session)
    const out: Array<readonly [WatchKind, string, WatchMode]> = []
    if (held === undefined) return out
    for (const kind of ['data', 'child'] as const) {
      const table = this.tables[kind]
      for (const path of held[kind]) out.push([kind, path, table.get(path)?.get(session) ?? WatchMode.Standard])
    }
    return out
  }

  /** the sessions registered at exactly path in table `kind`, any mode */
  watchersAt(kind: WatchKind, path: string): SessionId[] {
    const watchers = this.tables[kind].get(path)
    return watchers === undefined ? [] : [...watchers.keys()]
  }

  /** distinct paths across both tables, sessions holding any watch */
  totals(): { paths: number, sessions: number } {
    let paths = this.tables.data.size
    for (const path of this.tables.child.keys()) if (!this.tables.data.has(path)) paths++
    return { paths, sessions: this.bySession.size }
  }

  /** sessions holding a watch in `kind`, paths watched there, registrations there */
  summary(kind: WatchKind): { sessions: number, paths: number, total: number } {
    let sessions = 0
    let total = 0
    for (const held of this.bySession.values()) {
      const n = held[kind].size
      if (n > 0) sessions++
      total += n
    }
    return { sessions, paths: this.tables[kind].size, total }
  }

  /** one registration out of the path's map and the session's index; the caller removes an emptied path */
  private forget(kind: WatchKind, path: string, session: SessionId, watchers: Map<SessionId, WatchMode>): void {
    if (watchers.get(session) === WatchMode.Recursive) this.recursive--
    watchers.delete(session)
    this.count--
    const held = this.bySession.get(session)
    if (held !== undefined) {
      held[kind].delete(path)
      if (held.data.size === 0 && held.child.size === 0) this.bySession.delete(session)
    }
  }

  private dropFrom(kind: WatchKind, paths: Set<string>, session: SessionId): void {
    const table = this.tables[kind]
    for (const path of paths) {
      const watchers = table.get(path)
      if (watchers === undefined) continue
      const mode = watchers.get(session)
      if (mode === undefined) continue
      watchers.delete(session)
      if (mode === WatchMode.Recursive) this.recursive--
      this.count--
      if (watchers.size === 0) table.delete(path)
    }
  }
}
