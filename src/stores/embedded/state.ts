// The durable part of the store's memory: znodes, child sets, zxid, sessions
// and their ephemerals. No logging and no undo here: this is what the log and
// snapshots are replayed into, and what the store mutates once it has encoded
// an operation. Every mutator returns what it replaced so the store can undo.
//
// Ownership: objects passed to putNode/putSession are kept as they are, and
// getNode/getSession hand out the stored objects. The engine treats both as
// immutable (it copies a node before editing it), which is what lets reads
// stay allocation-free.

import { classify, NodeClass } from '../../engine/classify'
import type { SessionId, SessionRecord, ZNode, Zxid } from '../../engine/types'
import type { OpSink } from './codec'

function nodeSize(path: string, node: ZNode): number {
  // ZooKeeper's DataTree.approximateDataSize: path length plus data length
  return path.length + (node.data === null ? 0 : node.data.length)
}

const NONE: readonly string[] = Object.freeze([])

export class MemoryState implements OpSink {
  readonly nodes = new Map<string, ZNode>()
  readonly children = new Map<string, Set<string>>()
  readonly sessions = new Map<SessionId, SessionRecord>()
  readonly ephemerals = new Map<SessionId, Set<string>>()
  /**
   * classify()'s indexes (containers, TTL nodes), derived here on every
   * apply and replay: memory only, so the log and snapshot formats are the
   * same as before.
   */
  readonly index = new Map<NodeClass, Set<string>>()
  /**
   * indexed()'s answers, kept until their class's set changes: every create
   * and setData asks for the quota index, which is almost always empty and
   * rarely changes, so copying the set per call was pure garbage.
   */
  private readonly indexedCache = new Map<NodeClass, readonly string[]>()
  zxid: Zxid = 0
  approximateDataSize = 0
  ephemeralCount = 0

  putNode(path: string, node: ZNode): ZNode | undefined {
    const prev = this.nodes.get(path)
    if (prev !== undefined) this.approximateDataSize -= nodeSize(path, prev)
    this.nodes.set(path, node)
    this.approximateDataSize += nodeSize(path, node)
    const cls = classify(path, node)
    // the class changes as a container's or TTL node's children come and go,
    // or when a multi deletes a path and creates it again as another kind
    const was = prev === undefined ? NodeClass.None : classify(path, prev)
    if (was !== cls) {
      if (was !== NodeClass.None) this.unindex(was, path)
      if (cls !== NodeClass.None) {
        this.indexSet(cls).add(path)
        this.indexedCache.delete(cls)
      }
    }
    return prev
  }

  private indexSet(cls: NodeClass): Set<string> {
    let set = this.index.get(cls)
    if (set === undefined) {
      set = new Set()
      this.index.set(cls, set)
    }
    return set
  }

  private unindex(cls: NodeClass, path: string): void {
    if (this.index.get(cls)?.delete(path) === true) this.indexedCache.delete(cls)
  }

  /** The paths classify() puts in cls: a shared array, never to be mutated. */
  indexed(cls: NodeClass): readonly string[] {
    let out = this.indexedCache.get(cls)
    if (out === undefined) {
      const set = this.index.get(cls)
      out = set === undefined || set.size === 0 ? NONE : Object.freeze([...set])
      this.indexedCache.set(cls, out)
    }
    return out
  }

  /**
   * Also forgets the node's own child set: a deleted node has no children
   * (the engine refuses NOTEMPTY), and a stale set must not resurface if the
   * path is created again.
   */
  deleteNode(path: string): ZNode | undefined {
    this.children.delete(path)
    const prev = this.nodes.get(path)
    if (prev === undefined) return undefined
    this.nodes.delete(path)
    this.approximateDataSize -= nodeSize(path, prev)
    const cls = classify(path, prev)
    if (cls !== NodeClass.None) this.unindex(cls, path)
    return prev
  }

  /** undo support: put back a child set deleteNode dropped */
  restoreChildren(path: string, names: Set<string>): void {
    this.children.set(path, names)
  }

  /** returns whether the name was added (false: it was already there) */
  addChild(parent: string, name: string): boolean {
    let set = this.children.get(parent)
    if (set === undefined) {
      set = new Set()
      this.children.set(parent, set)
    }
    if (set.has(name)) return false
    set.add(name)
    return true
  }

  /** returns whether the name was removed */
  removeChild(parent: string, name: string): boolean {
    const set = this.children.get(parent)
    if (set === undefined || !set.delete(name)) return false
    if (set.size === 0) this.children.delete(parent)
    return true
  }

  setZxid(zxid: Zxid): Zxid {
    const prev = this.zxid
    this.zxid = zxid
    return prev
  }

  putSession(session: SessionRecord): SessionRecord | undefined {
    const prev = this.sessions.get(session.id)
    this.sessions.set(session.id, session)
    return prev
  }

  /** Also forgets the session's ephemeral set (the engine has deleted those znodes by then). */
  deleteSession(id: SessionId): SessionRecord | undefined {
    const paths = this.ephemerals.get(id)
    if (paths !== undefined) {
      this.ephemeralCount -= paths.size
      this.ephemerals.delete(id)
    }
    const prev = this.sessions.get(id)
    if (prev !== undefined) this.sessions.delete(id)
    return prev
  }

  /** undo support: put back an ephemeral set deleteSession dropped */
  restoreEphemerals(id: SessionId, paths: Set<string>): void {
    this.ephemerals.set(id, paths)
    this.ephemeralCount += paths.size
  }

  addEphemeral(id: SessionId, path: string): boolean {
    let set = this.ephemerals.get(id)
    if (set === undefined) {
      set = new Set()
      this.ephemerals.set(id, set)
    }
    if (set.has(path)) return false
    set.add(path)
    this.ephemeralCount++
    return true
  }

  removeEphemeral(id: SessionId, path: string): boolean {
    const set = this.ephemerals.get(id)
    if (set === undefined || !set.delete(path)) return false
    if (set.size === 0) this.ephemerals.delete(id)
    this.ephemeralCount--
    return true
  }
}
