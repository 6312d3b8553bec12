// A write transaction: ZooKeeper's "outstanding changes" in miniature. Every
// write is prepared against this overlay and reaches the store only if the
// whole request succeeds, so a failed multi leaves nothing behind. This is
// what makes one engine call atomic on both stores: Redis cannot roll back a
// script half-way, and the embedded log must see a transaction whole.

import { EventType } from './codes'
import { NodeClass } from './classify'
import { lastSlash } from './paths'
import { LIMIT_NODE, STAT_NODE, dataBytes, exceedsHardLimit, formatStats, limitPath, maxPrefix, parseStats, quotaTarget, statPath } from './quota'
import type { Data, Storage, WatchEvent, WatchKind, ZNode, SessionId, Zxid } from './types'

type Mutation =
  | { kind: 'addChild'; parent: string; name: string }
  | { kind: 'removeChild'; parent: string; name: string }
  | { kind: 'addEphemeral'; session: SessionId; path: string }
  | { kind: 'removeEphemeral'; session: SessionId; path: string }

/** A watch trigger, fired at commit in the order the changes happened. */
type Trigger =
  | { kind: 'created'; path: string; parent: string }
  | { kind: 'deleted'; path: string; parent: string }
  | { kind: 'changed'; path: string }

/** Staged paths a txn scans before it indexes them: a multi can stage thousands. */
const SCAN_LIMIT = 8

export class Txn {
  readonly zxid: Zxid
  readonly time: number
  private readonly store: Storage
  /**
   * The staged nodes: order[i]'s node after this txn is staged[i], `false`
   * marking a deletion (Lua tables cannot hold nil). A write stages one or
   * two paths (the node, its parent), so a scan of these arrays beats a Map
   * per write in both runtimes; `where` indexes them only once a multi has
   * staged more than SCAN_LIMIT.
   */
  private readonly order: string[] = []
  private readonly staged: (ZNode | false)[] = []
  private where: Map<string, number> | undefined
  private readonly mutations: Mutation[] = []
  private readonly triggers: Trigger[] = []
  /**
   * quota'd paths as this txn has left them (quota.ts); read on first use,
   * and left undefined while there are none, which is almost always: then a
   * write does no quota work beyond one index read
   */
  private roots: Map<string, boolean> | undefined
  private rootsRead = false
  /** quota'd paths as committed: what enforcement checks against */
  private committedRoots: Map<string, boolean> | undefined
  private committedRootsRead = false

  constructor(store: Storage, time: number) {
    this.store = store
    this.zxid = store.getZxid() + 1
    this.time = time
  }

  get(path: string): ZNode | undefined {
    const i = this.find(path)
    if (i === -1) return this.store.getNode(path)
    const staged = this.staged[i]
    return staged === false ? undefined : staged
  }

  /** The index of `path` in order/staged, or -1. */
  private find(path: string): number {
    if (this.where !== undefined) {
      const i = this.where.get(path)
      return i === undefined ? -1 : i
    }
    const order = this.order
    for (let i = 0; i < order.length; i++) if (order[i] === path) return i
    return -1
  }

  /** A private copy of an existing node, staged for writing. */
  edit(path: string, node: ZNode): ZNode {
    const i = this.find(path)
    if (i !== -1 && this.staged[i] === node) return node
    const copy: ZNode = {
      czxid: node.czxid,
      mzxid: node.mzxid,
      ctime: node.ctime,
      mtime: node.mtime,
      version: node.version,
      cversion: node.cversion,
      aversion: node.aversion,
      ephemeralOwner: node.ephemeralOwner,
      dataLength: node.dataLength,
      numChildren: node.numChildren,
      pzxid: node.pzxid,
      data: node.data,
      acl: node.acl,
    }
    this.stage(path, copy)
    return copy
  }

  create(path: string, parent: string, name: string, node: ZNode): void {
    this.stage(path, node)
    this.mutations.push({ kind: 'addChild', parent, name })
    // containers and TTL nodes carry negative owners; only sessions own ephemerals
    if (node.ephemeralOwner > 0) {
      this.mutations.push({ kind: 'addEphemeral', session: node.ephemeralOwner, path })
    }
    this.triggers.push({ kind: 'created', path, parent })
    // DataTree.createNode's quota bookkeeping, in its order
    let roots = this.quotaRoots()
    const limitOf = quotaTarget(path, LIMIT_NODE)
    if (limitOf !== undefined) {
      if (roots === undefined) roots = this.roots = new Map<string, boolean>()
      roots.set(limitOf, true)
    }
    const statOf = quotaTarget(path, STAT_NODE)
    if (statOf !== undefined) this.countInto(statOf)
    if (roots === undefined) return
    const prefix = maxPrefix(roots, path)
    if (prefix !== undefined) this.addToStats(prefix, dataBytes(node.data), 1)
  }

  remove(path: string, parent: string, name: string, node: ZNode): void {
    this.stage(path, false)
    this.mutations.push({ kind: 'removeChild', parent, name })
    if (node.ephemeralOwner > 0) {
      this.mutations.push({ kind: 'removeEphemeral', session: node.ephemeralOwner, path })
    }
    this.triggers.push({ kind: 'deleted', path, parent })
    const roots = this.quotaRoots()
    if (roots === undefined || roots.size === 0) return
    const limitOf = quotaTarget(path, LIMIT_NODE)
    if (limitOf !== undefined) roots.delete(limitOf)
    const prefix = maxPrefix(roots, path)
    if (prefix !== undefined) this.addToStats(prefix, -dataBytes(node.data), -1)
  }

  /** setData: `bytesDiff` is the new data's length minus the old's */
  changed(path: string, bytesDiff: number): void {
    this.triggers.push({ kind: 'changed', path })
    const roots = this.quotaRoots()
    if (roots === undefined) return
    const prefix = maxPrefix(roots, path)
    if (prefix !== undefined) this.addToStats(prefix, bytesDiff, 0)
  }

  // ---- quotas (quota.ts) ----

  private quotaRoots(): Map<string, boolean> | undefined {
    // read before any change to it: create/remove/changed all ask first
    if (!this.rootsRead) {
      this.rootsRead = true
      this.roots = rootsOf(this.store)
    }
    return this.roots
  }

  /**
   * zookeeper.enforceQuota: would this change pass a hard limit of the
   * deepest quota over `path`? Against the committed tree, as
   * ZooKeeperServer.checkQuota reads the DataTree, not pending changes.
   */
  quotaExceeded(path: string, bytesDiff: number, countDiff: number): boolean {
    if (!this.committedRootsRead) {
      this.committedRootsRead = true
      this.committedRoots = rootsOf(this.store)
    }
    if (this.committedRoots === undefined) return false
    const prefix = maxPrefix(this.committedRoots, path)
    if (prefix === undefined) return false
    const limits = this.store.getNode(limitPath(prefix))
    if (limits === undefined) return false
    const stats = this.store.getNode(statPath(prefix))
    return exceedsHardLimit(this.textOf(limits.data), stats === undefined ? undefined : this.textOf(stats.data), bytesDiff, countDiff)
  }

  private textOf(data: Data): string {
    return data === null ? '' : this.store.text(data)
  }

  /** Rewrites a stats znode's data in place: no version, mzxid or watch (DataTree.updateQuotaStat). */
  private setStats(path: string, node: ZNode, text: string): void {
    const n = this.edit(path, node)
    const data = this.store.bytes(text)
    n.data = data
    n.dataLength = dataBytes(data)
  }

  private addToStats(prefix: string, bytesDiff: number, countDiff: number): void {
    const path = statPath(prefix)
    const node = this.get(path)
    if (node === undefined) return // ZooKeeper logs "Missing node for stat"
    const s = parseStats(this.textOf(node.data))
    const count = s.get('count')
    const bytes = s.get('bytes')
    s.set('count', (count === undefined ? -1 : count) + countDiff)
    s.set('bytes', (bytes === undefined ? -1 : bytes) + bytesDiff)
    this.setStats(path, node, formatStats(s))
  }

  /** DataTree.updateQuotaForPath: the stats znode of `target` := its subtree's count and bytes. */
  private countInto(target: string): void {
    const path = statPath(target)
    const node = this.get(path)
    if (node === undefined) return
    const totals = [0, 0]
    this.countSubtree(target, totals)
    const s = new Map<string, number>()
    s.set('count', totals[0])
    s.set('bytes', totals[1])
    this.setStats(path, node, formatStats(s))
  }

  private countSubtree(path: string, totals: number[]): void {
    const node = this.get(path)
    if (node === undefined) return
    totals[0] += 1
    totals[1] += dataBytes(node.data)
    for (const name of this.store.getChildren(path)) this.countSubtree(path === '/' ? '/' + name : path + '/' + name, totals)
  }

  private stage(path: string, node: ZNode | false): void {
    const i = this.find(path)
    if (i !== -1) {
      this.staged[i] = node
      return
    }
    this.order.push(path)
    this.staged.push(node)
    if (this.where !== undefined) this.where.set(path, this.order.length - 1)
    else if (this.order.length > SCAN_LIMIT) {
      const where = new Map<string, number>()
      for (let j = 0; j < this.order.length; j++) where.set(this.order[j], j)
      this.where = where
    }
  }

  /** Consume the zxid without applying anything: ZooKeeper's error txn. */
  abort(): void {
    this.store.setZxid(this.zxid)
  }

  /** Apply everything to the store and fire the watches; returns the events to deliver. */
  commit(): WatchEvent[] {
    const store = this.store
    const order = this.order
    for (let i = 0; i < order.length; i++) {
      const node = this.staged[i]
      if (node === false) store.deleteNode(order[i])
      else store.putNode(order[i], node)
    }
    for (const m of this.mutations) {
      switch (m.kind) {
        case 'addChild':
          store.addChild(m.parent, m.name)
          break
        case 'removeChild':
          store.removeChild(m.parent, m.name)
          break
        case 'addEphemeral':
          store.addEphemeral(m.session, m.path)
          break
        case 'removeEphemeral':
          store.removeEphemeral(m.session, m.path)
          break
      }
    }
    store.setZxid(this.zxid)
    const events: WatchEvent[] = []
    for (const t of this.triggers) fire(store, t, events)
    return events
  }
}

/** The quota'd paths: one per zookeeper_limits znode (classify() indexes them); undefined when there are none. */
function rootsOf(store: Storage): Map<string, boolean> | undefined {
  const paths = store.indexed(NodeClass.QuotaLimits)
  if (paths.length === 0) return undefined
  const out = new Map<string, boolean>()
  for (const path of paths) {
    const target = quotaTarget(path, LIMIT_NODE)
    if (target !== undefined) out.set(target, true)
  }
  return out
}

function emit(events: WatchEvent[], sessions: SessionId[], type: EventType, path: string, skip?: Map<SessionId, boolean>): void {
  for (const session of sessions) {
    if (skip === undefined || !skip.has(session)) events.push({ session, type, path })
  }
}

/**
 * ZooKeeper's WatchManager.triggerWatch for one table: the watchers of
 * exactly `path` (one-shot ones are consumed), plus the recursive watchers of
 * its ancestors, except for NodeChildrenChanged, which recursive watches
 * never see. A session appears once however many of its watches match.
 */
function trigger(store: Storage, kind: WatchKind, path: string, type: EventType): SessionId[] {
  const recursive = type !== EventType.NodeChildrenChanged
  const here = store.takeWatchers(kind, path, recursive)
  if (!recursive || !store.hasRecursiveWatches()) return here
  const seen = new Map<SessionId, boolean>()
  const out: SessionId[] = []
  for (const s of here) {
    seen.set(s, true)
    out.push(s)
  }
  let p = path
  while (p !== '/' && p !== '') {
    const slash = lastSlash(p)
    p = slash <= 0 ? '/' : p.substring(0, slash)
    for (const s of store.recursiveWatchers(kind, p)) {
      if (seen.has(s)) continue
      seen.set(s, true)
      out.push(s)
    }
  }
  return out
}

// ZooKeeper's DataTree.createNode / deleteNode / setData trigger order.
function fire(store: Storage, t: Trigger, events: WatchEvent[]): void {
  if (t.kind === 'changed') {
    emit(events, trigger(store, 'data', t.path, EventType.NodeDataChanged), EventType.NodeDataChanged, t.path)
    return
  }
  const parent = t.parent === '' ? '/' : t.parent
  if (t.kind === 'created') {
    emit(events, trigger(store, 'data', t.path, EventType.NodeCreated), EventType.NodeCreated, t.path)
  } else {
    // one NodeDeleted per session, even if it held both a data and a child watch
    const dataWatchers = trigger(store, 'data', t.path, EventType.NodeDeleted)
    emit(events, dataWatchers, EventType.NodeDeleted, t.path)
    // a Map only when there is someone to skip: most deletes have no watchers
    let notified: Map<SessionId, boolean> | undefined
    if (dataWatchers.length > 0) {
      notified = new Map<SessionId, boolean>()
      for (const s of dataWatchers) notified.set(s, true)
    }
    emit(events, trigger(store, 'child', t.path, EventType.NodeDeleted), EventType.NodeDeleted, t.path, notified)
  }
  emit(events, trigger(store, 'child', parent, EventType.NodeChildrenChanged), EventType.NodeChildrenChanged, parent)
}
