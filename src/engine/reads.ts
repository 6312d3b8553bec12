// Read operations, as FinalRequestProcessor serves them: no zxid, no log
// record; a watch is registered only where ZooKeeper registers it (exists
// registers even on a missing node, getData/getChildren only on a found one).

import { Err, OpCode, Perm } from './codes'
import { allowed } from './acl'
import { join, rootAlias, startsWith } from './paths'
import { statOf } from './stat'
import { watchRoom } from './watches'
import { PathState, type ACL, type Context, type OpResult, type PathWatchRequest, type ReplyBody, type Storage } from './types'

export type ReadResult = number | ReplyBody

// ZooKeeper 3.8.0 (the oracle our tests run) checks no ACL on exists; later
// 3.8.x releases check READ. Follow the oracle until the ACL work revisits it.
export function exists(store: Storage, ctx: Context, req: PathWatchRequest): ReadResult {
  if (req.pathState === PathState.HasNul) return Err.BADARGUMENTS
  const node = store.getNode(rootAlias(req.path))
  if (req.watch) {
    if (!watchRoom(store, ctx, 1)) return Err.QUOTAEXCEEDED
    store.addWatch('data', req.path, ctx.session)
  }
  if (node === undefined) return Err.NONODE
  return { stat: statOf(node) }
}

export function getData(store: Storage, ctx: Context, req: PathWatchRequest): ReadResult {
  const node = store.getNode(rootAlias(req.path))
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.READ, ctx.auth)) return Err.NOAUTH
  if (req.watch) {
    if (!watchRoom(store, ctx, 1)) return Err.QUOTAEXCEEDED
    store.addWatch('data', req.path, ctx.session)
  }
  return { data: node.data, stat: statOf(node) }
}

export function getChildren(store: Storage, ctx: Context, req: PathWatchRequest): ReadResult {
  const path = rootAlias(req.path)
  const node = store.getNode(path)
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.READ, ctx.auth)) return Err.NOAUTH
  if (req.watch) {
    if (!watchRoom(store, ctx, 1)) return Err.QUOTAEXCEEDED
    store.addWatch('child', req.path, ctx.session)
  }
  const children = store.getChildren(path)
  if (req.type === OpCode.getChildren2) return { children, stat: statOf(node) }
  return { children }
}

export function getAcl(store: Storage, ctx: Context, path: string): ReadResult {
  const node = store.getNode(rootAlias(path))
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.READ | Perm.ADMIN, ctx.auth)) return Err.NOAUTH
  if (allowed(node.acl, Perm.ADMIN, ctx.auth)) return { acl: node.acl, stat: statOf(node) }
  // without ADMIN, digest hashes are masked, as ZooKeeper does
  const masked: ACL[] = []
  for (const a of node.acl) {
    if (a.id.scheme !== 'digest') {
      masked.push(a)
      continue
    }
    const id = a.id.id
    let colon = -1
    for (let i = 0; i < id.length; i++) {
      if (id.charCodeAt(i) === 0x3a) {
        colon = i
        break
      }
    }
    masked.push({ perms: a.perms, id: { scheme: 'digest', id: colon === -1 ? id : id.substring(0, colon) + ':x' } })
  }
  return { acl: masked, stat: statOf(node) }
}

function countDescendants(store: Storage, path: string): number {
  let total = 0
  for (const name of store.getChildren(path)) total += 1 + countDescendants(store, join(path, name))
  return total
}

export function getAllChildrenNumber(store: Storage, ctx: Context, path: string): ReadResult {
  const p = rootAlias(path)
  const node = store.getNode(p)
  if (node === undefined) return Err.NONODE
  if (!allowed(node.acl, Perm.READ, ctx.auth)) return Err.NOAUTH
  // ZooKeeper counts the keys that start with path + "/"; for "" (the root's
  // other name) that includes the "/" entry itself
  return { count: countDescendants(store, p) + (path === '' ? 1 : 0) }
}

export function getEphemerals(store: Storage, ctx: Context, prefix: string): ReplyBody {
  const all = store.getEphemerals(ctx.session)
  if (prefix === '' || prefix === '/') return { paths: all }
  const paths: string[] = []
  for (const p of all) {
    if (startsWith(p, prefix)) paths.push(p)
  }
  return { paths }
}

/** One getData/getChildren inside multiRead: errors are per operation. */
export function readSub(store: Storage, ctx: Context, req: PathWatchRequest): OpResult {
  const r = req.type === OpCode.getData ? getData(store, ctx, req) : getChildren(store, ctx, req)
  if (typeof r === 'number') return { type: OpCode.error, err: r }
  if (req.type === OpCode.getData) return { type: OpCode.getData, data: r.data === undefined ? null : r.data, stat: r.stat! }
  return { type: OpCode.getChildren, children: r.children! }
}
