// ZooKeeper's ContainerManager as one engine call: find the containers that
// have had children and have none left, and the TTL nodes without children
// whose ttl has run out since their last change, and delete each as its own
// deleteContainer transaction (own zxid, NodeDeleted/NodeChildrenChanged
// watches as any delete fires). Candidates are found and deleted in the same
// call, so however many servers or nodes sweep at once, no candidate can gain
// a child between the check and the delete, and nothing is deleted twice.

import { OpCode } from './codes'
import { NodeClass, ttlOf } from './classify'
import { Txn } from './txn'
import { remove } from './writes'
import { PathState, type Context, type Storage, type WatchEvent, type Zxid } from './types'

export interface SweepOptions {
  /** at most this many deletions in this call (the caller's share of znode.container.maxPerMinute) */
  limit: number
  /** zookeeper.extendedTypesEnabled: TTL nodes are only swept when set, as EphemeralType.get decides */
  extendedTypes?: boolean
  /** znode.container.maxNeverUsedIntervalMs: also delete containers that never had a child after this long; 0 (default) never */
  maxNeverUsedMs?: number
}

export interface SweepResult {
  /** deleted paths, in deletion order */
  deleted: string[]
  events: WatchEvent[]
  /** last zxid after the sweep */
  zxid: Zxid
  /** candidates left for a later call because of `limit` */
  remaining: number
}

/** ContainerManager.getCandidates, sorted so that every store deletes in the same order. */
export function sweepCandidates(store: Storage, now: number, opts: SweepOptions): string[] {
  // classify() indexes only childless containers and TTL nodes, and keeps the
  // containers that never had a child apart: the default sweep skips those
  const neverUsed = opts.maxNeverUsedMs ?? 0
  const containers = store.indexed(NodeClass.Container)
  const unused = neverUsed !== 0 ? store.indexed(NodeClass.UnusedContainer) : []
  const ttls = opts.extendedTypes === true ? store.indexed(NodeClass.TTL) : []
  const out: string[] = []
  if (containers.length === 0 && unused.length === 0 && ttls.length === 0) return out
  for (const path of containers) {
    const node = store.getNode(path)
    // the stored cversion counts child creations: > 0 once it ever had a child
    if (node !== undefined && node.numChildren === 0 && node.cversion > 0) out.push(path)
  }
  for (const path of unused) {
    const node = store.getNode(path)
    if (node !== undefined && node.numChildren === 0 && now - node.mtime > neverUsed) out.push(path)
  }
  for (const path of ttls) {
    const node = store.getNode(path)
    if (node === undefined || node.numChildren > 0) continue
    const ttl = ttlOf(node.ephemeralOwner)
    if (ttl !== 0 && now - node.mtime > ttl) out.push(path)
  }
  out.sort()
  return out
}

/** One sweep: at most opts.limit deleteContainer transactions, as session 0 (ContainerManager's). */
export function sweep(store: Storage, now: number, opts: SweepOptions): SweepResult {
  const candidates = sweepCandidates(store, now, opts)
  const deleted: string[] = []
  const events: WatchEvent[] = []
  const ctx: Context = { session: 0, now, auth: [] }
  const n = candidates.length < opts.limit ? candidates.length : opts.limit
  for (let i = 0; i < n; i++) {
    const path = candidates[i]
    const txn = new Txn(store, now)
    const r = remove(txn, ctx, { type: OpCode.deleteContainer, path, version: -1, pathState: PathState.Valid })
    if (typeof r === 'number') {
      // cannot happen within one call (the candidate was just checked); an
      // error txn is what ZooKeeper would log if it did
      txn.abort()
      continue
    }
    for (const e of txn.commit()) events.push(e)
    deleted.push(path)
  }
  return { deleted, events, zxid: store.getZxid(), remaining: candidates.length - n }
}
