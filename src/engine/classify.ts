// Which znodes the stores keep an index of, decided in ONE place: both
// Storage implementations call classify() on every putNode/deleteNode to keep
// their sets (in memory for the embedded store, Redis sets for the Lua
// adapter), and the sweep reads those sets back instead of scanning the tree.
// Pure and plain (compiled to Lua too).

import { LIMIT_NODE, quotaTarget } from './quota'
import type { ZNode } from './types'

export enum NodeClass {
  None = 0,
  /**
   * A container (CreateMode.CONTAINER) without children that had one:
   * DataTree's `containers` set narrowed to the ones the sweep deletes, so that
   * containers in use (the usual case: a lock's or a queue's parent) cost a
   * sweep nothing. A node moves in and out as its children come and go.
   */
  Container = 1,
  /** A TTL node (PERSISTENT(_SEQUENTIAL)_WITH_TTL) without children: DataTree's `ttls`, narrowed likewise */
  TTL = 2,
  /** /zookeeper/quota<path>/zookeeper_limits: DataTree's quota trie (quota.ts) */
  QuotaLimits = 3,
  /**
   * A container that never had a child: kept apart because only
   * znode.container.maxNeverUsedIntervalMs (off by default) deletes it, so a
   * default sweep never looks at these.
   */
  UnusedContainer = 4,
}

/** The classes a store indexes (every class but None). */
export const INDEXED_CLASSES: NodeClass[] = [NodeClass.Container, NodeClass.TTL, NodeClass.QuotaLimits, NodeClass.UnusedContainer]

/** EphemeralType.CONTAINER_EPHEMERAL_OWNER: Long.MIN_VALUE (exact as a double). */
export const CONTAINER_OWNER = -9223372036854775808

/** EphemeralType.TTL.maxValue(): 2^40 - 1 ms. */
export const MAX_TTL = 0xffffffffff

/**
 * The ephemeralOwner a TTL node is stored with: -ttl. ZooKeeper keeps
 * 0xFF00000000000000 | ttl, which a double cannot hold exactly (its ulp at
 * 2^56 is 8); -ttl is exact for every valid ttl (< 2^40), cannot collide
 * with a session id (positive) or CONTAINER_OWNER, and is never shown to a
 * client (statOf reports 0 for every owner that is not a session).
 */
export function ttlOwner(ttl: number): number {
  return -ttl
}

/** 0xFF00000000000000 as a signed long: how TTL owners were stored before (-2^56 + ttl). */
const LEGACY_TTL_BASE = -72057594037927936

/** The ttl of a TTL node's owner, also from the older -2^56 + ttl form (rounded there). */
export function ttlOf(owner: number): number {
  if (owner < 0 && owner >= -MAX_TTL) return -owner
  if (owner > LEGACY_TTL_BASE && owner < LEGACY_TTL_BASE + MAX_TTL + 16) return owner - LEGACY_TTL_BASE
  return 0
}

/**
 * The index a znode belongs in: from its path and owner, which never change,
 * and, for containers and TTL nodes, whether it has children.
 */
export function classify(path: string, node: ZNode): NodeClass {
  const owner = node.ephemeralOwner
  if (owner >= 0) return quotaTarget(path, LIMIT_NODE) === undefined ? NodeClass.None : NodeClass.QuotaLimits
  if (node.numChildren > 0) return NodeClass.None
  // the stored cversion counts child creations: > 0 once it had a child
  if (owner === CONTAINER_OWNER) return node.cversion > 0 ? NodeClass.Container : NodeClass.UnusedContainer
  return ttlOf(owner) > 0 ? NodeClass.TTL : NodeClass.None
}
