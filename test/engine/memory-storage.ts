// A plain in-memory Storage for unit tests of the engine's pure semantics.
// (The real stores are tested against the same engine by the conformance and
// differential suites.)
import type { SessionId, SessionRecord, Storage, WatchKind, ZNode } from '../../src/engine'

export class MemoryStorage implements Storage {
  nodes = new Map<string, ZNode>()
  children = new Map<string, Set<string>>()
  sessions = new Map<SessionId, SessionRecord>()
  ephemerals = new Map<SessionId, Set<string>>()
  watches = { data: new Map<string, Set<SessionId>>(), child: new Map<string, Set<SessionId>>() }
  deadlines = new Map<SessionId, number>()
  zxid = 0
  getNode(p: string) { return this.nodes.get(p) }
  putNode(p: string, n: ZNode) { this.nodes.set(p, n) }
  deleteNode(p: string) { this.nodes.delete(p); this.children.delete(p) }
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
  addWatch(k: WatchKind, p: string, s: SessionId) { let w = this.watches[k].get(p); if (!w) this.watches[k].set(p, (w = new Set())); w.add(s) }
  takeWatchers(k: WatchKind, p: string) { const w = this.watches[k].get(p); this.watches[k].delete(p); return [...(w ?? [])] }
  dropWatches(s: SessionId) { for (const t of [this.watches.data, this.watches.child]) for (const w of t.values()) w.delete(s) }
}
