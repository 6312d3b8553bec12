// Write operations, prepared against a Txn in the order ZooKeeper's
// PrepRequestProcessor checks things, so the first error reported is the one
// ZooKeeper would report.

import { CreateFlag, Err, OpCode, Perm } from './codes'
import { allowed, fixupAcl } from './acl'
import { childOf, lastSlash, parentOf, rootAlias, sequenceSuffix } from './paths'
import { statOf } from './stat'
import { CONTAINER_OWNER, MAX_TTL, ttlOwner } from './classify'
import { dataBytes } from './quota'
import type { Txn } from './txn'
import {
  PathState,
  type CheckRequest,
  type Context,
  type CreateRequest,
  type CreateTTLRequest,
  type DeleteRequest,
  type OpResult,
  type SetACLRequest,
  type SetDataRequest,
  type ZNode,
} from './types'

/** An error code, or the sub-result a multi would report. */
export type Applied = number | OpResult

export { CONTAINER_OWNER }

/** Special znodes ZooKeeper refuses to delete (DataTree.isSpecialPath). */
function isSpecialPath(path: string): boolean {
  return path === '/' || path === '/zookeeper' || path === '/zookeeper/quota' || path === '/zookeeper/config'
}

function hasNul(state: PathState | undefined): boolean {
  return state === PathState.HasNul
}

function versionMatches(expected: number, current: number): boolean {
  return expected === -1 || expected === current
}

export function create(txn: Txn, ctx: Context, req: CreateRequest | CreateTTLRequest, extendedTypes: boolean, enforceQuota = false): Applied {
  const flags = req.flags
  if (flags < CreateFlag.PERSISTENT || flags > CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL || flags % 1 !== 0) {
    return Err.BADARGUMENTS // CreateMode.fromFlag
  }
  const isTTL = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL
  const ttl = req.type === OpCode.createTTL ? req.ttl : -1
  if (isTTL && !extendedTypes) return Err.UNIMPLEMENTED
  if (isTTL ? ttl <= 0 || ttl > MAX_TTL : ttl >= 0) return Err.BADARGUMENTS // EphemeralType.validateTTL
  const slash = lastSlash(req.path)
  if (slash === -1 || hasNul(req.pathState)) return Err.BADARGUMENTS
  const acl = fixupAcl(req.acl, ctx.auth, req.aclInvalid)
  if (acl === undefined) return Err.INVALIDACL
  const parentPath = rootAlias(parentOf(req.path, slash))
  const parent = txn.get(parentPath)
  if (parent === undefined) return Err.NONODE
  if (!allowed(parent.acl, Perm.CREATE, ctx.auth)) return Err.NOAUTH
  const sequential = (flags & CreateFlag.PERSISTENT_SEQUENTIAL) !== 0
  const path = sequential ? req.path + sequenceSuffix(parent.cversion) : req.path
  if (req.pathState !== PathState.Valid) return Err.BADARGUMENTS
  if (txn.get(path) !== undefined) return Err.NODEEXISTS
  if (parent.ephemeralOwner > 0) return Err.NOCHILDRENFOREPHEMERALS
  if (enforceQuota && txn.quotaExceeded(path, dataBytes(req.data), 1)) return Err.QUOTAEXCEEDED

  // The owner follows the txn, i.e. the opcode, as DataTree.processTxn
  // decides it: createContainer makes a container whatever its flags say,
  // and a plain create with the CONTAINER flag makes a plain node.
  let owner = 0
  if (req.type === OpCode.createContainer) owner = CONTAINER_OWNER
  else if (req.type === OpCode.createTTL && isTTL) owner = ttlOwner(ttl)
  else if (flags === CreateFlag.EPHEMERAL || flags === CreateFlag.EPHEMERAL_SEQUENTIAL) owner = ctx.session

  const zxid = txn.zxid
  const node: ZNode = {
    czxid: zxid,
    mzxid: zxid,
    ctime: txn.time,
    mtime: txn.time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: owner,
    dataLength: req.dataLength,
    numChildren: 0,
    pzxid: zxid,
    data: req.data,
    acl,
  }
  const p = txn.edit(parentPath, parent)
  p.cversion = parent.cversion + 1
  p.pzxid = zxid
  p.numChildren = parent.numChildren + 1
  // the Stat is taken before quota bookkeeping may rewrite a new zookeeper_stats
  // znode's data, as DataTree.createNode copies it first
  const stat = statOf(node)
  txn.create(path, parentPath, childOf(path, lastSlash(path)), node)
  if (req.type === OpCode.create) return { type: OpCode.create, path }
  return { type: req.type, path, stat }
}

export function remove(txn: Txn, ctx: Context, req: DeleteRequest): Applied {
  const slash = lastSlash(req.path)
  if (slash === -1 || hasNul(req.pathState) || isSpecialPath(req.path)) return Err.BADARGUMENTS
  const parentPath = rootAlias(parentOf(req.path, slash))
  const parent = txn.get(parentPath)
  if (parent === undefined) return Err.NONODE
  const container = req.type === OpCode.deleteContainer
  if (!container && !allowed(parent.acl, Perm.DELETE, ctx.auth)) return Err.NOAUTH
  const node = txn.get(req.path)
  if (node === undefined) return Err.NONODE
  if (container) {
    if (node.numChildren > 0) return Err.NOTEMPTY
    if (node.ephemeralOwner > 0) return Err.BADVERSION
  } else {
    if (!versionMatches(req.version, node.version)) return Err.BADVERSION
    if (node.numChildren > 0) return Err.NOTEMPTY
  }
  deleteNode(txn, req.path, parentPath, slash, node, parent)
  return { type: container ? OpCode.deleteContainer : OpCode.delete }
}

/** Unlink a node from its parent (also used by session close). */
export function deleteNode(txn: Txn, path: string, parentPath: string, slash: number, node: ZNode, parent: ZNode): void {
  const p = txn.edit(parentPath, parent)
  p.numChildren = parent.numChildren - 1
  if (txn.zxid > parent.pzxid) p.pzxid = txn.zxid
  txn.remove(path, parentPath, childOf(path, slash), node)
}

export function setData(txn: Txn, ctx: Context, req: SetDataRequest, enforceQuota = false): Applied {
  if (req.pathState !== PathState.Valid) return Err.BADARGUMENTS
  const node = txn.get(req.path)
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.WRITE, ctx.auth)) return Err.NOAUTH
  if (enforceQuota && txn.quotaExceeded(req.path, dataBytes(req.data) - dataBytes(node.data), 0)) return Err.QUOTAEXCEEDED
  if (!versionMatches(req.version, node.version)) return Err.BADVERSION
  const n = txn.edit(req.path, node)
  n.version = node.version + 1
  n.mtime = txn.time
  n.mzxid = txn.zxid
  n.data = req.data
  n.dataLength = req.dataLength
  txn.changed(req.path, dataBytes(req.data) - dataBytes(node.data))
  return { type: OpCode.setData, stat: statOf(n) }
}

export function setAcl(txn: Txn, ctx: Context, req: SetACLRequest): Applied {
  if (req.pathState !== PathState.Valid) return Err.BADARGUMENTS
  const acl = fixupAcl(req.acl, ctx.auth, req.aclInvalid)
  if (acl === undefined) return Err.INVALIDACL
  const node = txn.get(req.path)
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.ADMIN, ctx.auth)) return Err.NOAUTH
  if (!versionMatches(req.version, node.aversion)) return Err.BADVERSION
  const n = txn.edit(req.path, node)
  n.aversion = node.aversion + 1
  n.acl = acl
  // setACL replies with a Stat; OpResult has no setACL member, so reuse setData's shape
  return { type: OpCode.setData, stat: statOf(n) }
}

export function check(txn: Txn, ctx: Context, req: CheckRequest): Applied {
  if (req.pathState !== PathState.Valid) return Err.BADARGUMENTS
  const node = txn.get(req.path)
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.READ, ctx.auth)) return Err.NOAUTH
  if (!versionMatches(req.version, node.version)) return Err.BADVERSION
  return { type: OpCode.check }
}
