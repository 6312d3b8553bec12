// A write transaction: ZooKeeper's "outstanding changes" in miniature. Every
// write is prepared against this overlay and reaches the store only if the
// whole request succeeds, so a failed multi leaves nothing behind. This is
// what makes one engine call atomic on both stores: Redis cannot roll back a
// script half-way, and the embedded log must see a transaction whole.

import { EventType } from './codes'
import { lastSlash } from './paths'
import type { Storage, WatchEvent, WatchKind, ZNode, SessionId, Zxid } from './types'

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

export class Txn {
  readonly zxid: Zxid
  readonly time: number
  private readonly store: Storage
  /** path → node after this txn; `false` marks a deletion (Lua tables cannot hold nil) */
  private readonly nodes = new Map<string, ZNode | false>()
  private readonly order: string[] = []
  private readonly mutations: Mutation[] = []
  private readonly triggers: Trigger[] = []

  constructor(store: Storage, time: number) {
    this.store = store
    this.zxid = store.getZxid() + 1
    this.time = time
  }

  get(path: string): ZNode | undefined {
    const staged = this.nodes.get(path)
    if (staged === false) return undefined
    if (staged !== undefined) return staged
    return this.store.getNode(path)
  }

  /** A private copy of an existing node, staged for writing. */
  edit(path: string, node: ZNode): ZNode {
    if (this.nodes.get(path) === node) return node
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
  }

  remove(path: string, parent: string, name: string, node: ZNode): void {
    this.stage(path, false)
    this.mutations.push({ kind: 'removeChild', parent, name })
    if (node.ephemeralOwner > 0) {
      this.mutations.push({ kind: 'removeEphemeral', session: node.ephemeralOwner, path })
    }
    this.triggers.push({ kind: 'deleted', path, parent })
  }

  changed(path: string): void {
    this.triggers.push({ kind: 'changed', path })
  }

  private stage(path: string, node: ZNode | false): void {
    if (!this.nodes.has(path)) this.order.push(path)
    this.nodes.set(path, node)
  }

  /** Consume the zxid without applying anything: ZooKeeper's error txn. */
  abort(): void {
    this.store.setZxid(this.zxid)
  }

  /** Apply everything to the store and fire the watches; returns the events to deliver. */
  commit(): WatchEvent[] {
    const store = this.store
    for (const path of this.order) {
      const node = this.nodes.get(path)
      if (node === false) store.deleteNode(path)
      else if (node !== undefined) store.putNode(path, node)
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
    const notified = new Map<SessionId, boolean>()
    for (const s of dataWatchers) notified.set(s, true)
    emit(events, trigger(store, 'child', t.path, EventType.NodeDeleted), EventType.NodeDeleted, t.path, notified)
  }
  emit(events, trigger(store, 'child', parent, EventType.NodeChildrenChanged), EventType.NodeChildrenChanged, parent)
}
