// A plain in-memory Storage for unit tests of the engine's pure semantics.
// (The real stores are tested against the same engine by the conformance and
// differential suites.)
import { classify, NodeClass, WatchMode, type SessionId, type SessionRecord, type Storage, type WatchKind, type ZNode } from '../../src/engine'

export class MemoryStorage implements Storage {
  nodes = new Map<string, ZNode>()
  children = new Map<string, Set<string>>()
  sessions = new Map<SessionId, SessionRecord>()
  ephemerals = new Map<SessionId, Set<string>>()
  /** table → path → session → mode */
  watches = { data: new Map<string, Map<SessionId, WatchMode>>(), child: new Map<string, Map<SessionId, WatchMode>>() }
  deadlines = new Map<SessionId, number>()
  zxid = 0
  getNode(p: string) { return this.nodes.get(p) }
  /** classify()'s index, kept as the real stores keep theirs */
  index = new Map<NodeClass, Set<string>>()
  putNode(p: string, n: ZNode) {
    const prev = this.nodes.get(p)
    if (prev !== undefined) this.index.get(classify(p, prev))?.delete(p)
    this.nodes.set(p, n)
    const cls = classify(p, n)
    if (cls !== NodeClass.None) { let s = this.index.get(cls); if (!s) this.index.set(cls, (s = new Set())); s.add(p) }
  }
  deleteNode(p: string) {
    const n = this.nodes.get(p)
    if (n !== undefined) this.index.get(classify(p, n))?.delete(p)
    this.nodes.delete(p); this.children.delete(p)
  }
  indexed(cls: NodeClass): readonly string[] { return [...(this.index.get(cls) ?? [])] }
  text(data: Uint8Array) { return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') }
  bytes(text: string) { return Buffer.from(text, 'utf8') }
  getChildren(p: string) { return [...(this.children.get(p) ?? [])] }
  addChild(p: string, c: string) { let s = this.children.get(p); if (!s) this.children.set(p, (s = new Set())); s.add(c) }
  removeChild(p: string, c: string) { this.children.get(p)?.delete(c) }
  getZxid() { return this.zxid }
  setZxid(z: number) { this.zxid = z }
  getSession(id: SessionId) { return this.sessions.get(id) }
  putSession(s: SessionRecord) { this.sessions.set(s.id, s) }
  deleteSession(id: SessionId) { this.sessions.delete(id); this.ephemerals.delete(id); this.deadlines.delete(id) }
  getEphemerals(id: SessionId) { return [...(this.ephemerals.get(id) ?? [])] }
  addEphemeral(id: SessionId, p: string) { let s = this.ephemerals.get(id); if (!s) this.ephemerals.set(id, (s = new Set())); s.add(p) }
  removeEphemeral(id: SessionId, p: string) { this.ephemerals.get(id)?.delete(p) }
  expiredSessions(now: number) { return [...this.deadlines].filter(([, d]) => d <= now).map(([id]) => id) }
  addWatch(k: WatchKind, p: string, s: SessionId, mode = WatchMode.Standard) { let w = this.watches[k].get(p); if (!w) this.watches[k].set(p, (w = new Map())); w.set(s, mode) }
  takeWatchers(k: WatchKind, p: string, withRecursive = false) {
    const w = this.watches[k].get(p)
    if (!w) return []
    const out: SessionId[] = []
    for (const [s, m] of w) {
      if (m === WatchMode.Recursive && !withRecursive) continue
      out.push(s)
      if (m === WatchMode.Standard) w.delete(s)
    }
    if (w.size === 0) this.watches[k].delete(p)
    return out
  }
  recursiveWatchers(k: WatchKind, p: string) { return [...(this.watches[k].get(p) ?? [])].filter(([, m]) => m === WatchMode.Recursive).map(([s]) => s) }
  hasRecursiveWatches() { for (const t of [this.watches.data, this.watches.child]) for (const w of t.values()) for (const m of w.values()) if (m === WatchMode.Recursive) return true; return false }
  hasWatchers(k: WatchKind, p: string) { return this.watches[k].has(p) }
  removeWatch(k: WatchKind, p: string, s: SessionId) { const w = this.watches[k].get(p); if (!w || !w.delete(s)) return false; if (w.size === 0) this.watches[k].delete(p); return true }
  sessionWatchCount(s: SessionId) { let n = 0; for (const t of [this.watches.data, this.watches.child]) for (const w of t.values()) if (w.has(s)) n++; return n }
  dropWatches(s: SessionId) { for (const t of [this.watches.data, this.watches.child]) for (const [p, w] of t) { w.delete(s); if (w.size === 0) t.delete(p) } }
}
