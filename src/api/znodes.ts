// The REST operations, each one or more ZooKeeper requests run through the
// gateway (so through the one engine, with the caller's identities). Nothing
// here knows HTTP; it returns plain results or throws ApiError.

import { CreateFlag, Err, OpCode } from '../engine/codes'
import { pathState } from '../engine/prepare'
import { PathState, type ACL, type Data, type Id, type OpResult, type Outcome, type Request, type Stat, type SubRequest } from '../engine/types'
import { OPEN_ACL } from './acl'
import { badArguments, errName, zkError, ApiError } from './errors'
import type { ZkGateway } from './gateway'

/** Create modes REST offers; ephemeral ones would belong to no client's session and are refused. */
export const CREATE_MODES = {
  persistent: CreateFlag.PERSISTENT,
  persistent_sequential: CreateFlag.PERSISTENT_SEQUENTIAL,
  container: CreateFlag.CONTAINER,
  persistent_with_ttl: CreateFlag.PERSISTENT_WITH_TTL,
  persistent_sequential_with_ttl: CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL
} as const
export type CreateMode = keyof typeof CREATE_MODES
export const REFUSED_MODES = ['ephemeral', 'ephemeral_sequential'] as const

export const TREE_DEFAULT_DEPTH = 1
export const TREE_MAX_DEPTH = 64
export const TREE_DEFAULT_LIMIT = 1000
export const TREE_MAX_LIMIT = 10000
/** a recursive delete lists the whole subtree first, as ZKUtil.deleteRecursive does; beyond this it refuses */
export const DELETE_TREE_MAX = 100000
/** paths per multiRead / multi: one engine call each, small enough to keep a store responsive */
const BATCH = 200
/** re-list rounds of a recursive delete racing other writers before it gives up */
const DELETE_ROUNDS = 5

/** The znode path a URL names; 400 BADARGUMENTS unless ZooKeeper would accept it. */
export function checkPath (path: string, sequential = false): string {
  // a sequential create appends digits: "/a/" names the child "/a/0000000001"
  const state = pathState(sequential ? path + '0' : path)
  if (state !== PathState.Valid) {
    const why = state === PathState.HasNul ? 'contains a NUL character' : 'is not a valid znode path'
    throw badArguments(`${JSON.stringify(path)} ${why}`)
  }
  return path
}

function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/**
 * The size of the request frame a ZooKeeper client would send (request
 * header + record). Over jute.maxbuffer ZooKeeper closes the connection;
 * REST answers 413 instead.
 */
function checkFrameSize (gw: ZkGateway, path: string, data: Data, acl: readonly ACL[] = [], extra = 0): void {
  let size = 8 + 4 + utf8Length(path) + 4 + (data === null ? 0 : data.byteLength) + 4 + 4 + extra
  for (const a of acl) size += 4 + 4 + utf8Length(a.id.scheme) + 4 + utf8Length(a.id.id)
  if (size > gw.maxBuffer) {
    throw new ApiError(413, 'BADARGUMENTS', `the request (${size} bytes) exceeds jute.maxbuffer (${gw.maxBuffer} bytes)`, Err.BADARGUMENTS)
  }
}

async function run (gw: ZkGateway, req: Request, ids: readonly Id[], path: string): Promise<Outcome> {
  const out = await gw.run(req, ids)
  if (out.err !== Err.OK) throw zkError(out.err, path)
  return out
}

export interface NodeData { path: string, data: Data, stat: Stat }

export async function getData (gw: ZkGateway, ids: readonly Id[], path: string): Promise<NodeData> {
  checkPath(path)
  const out = await run(gw, { type: OpCode.getData, path, watch: false }, ids, path)
  const body = out.body ?? {}
  return { path, data: body.data ?? null, stat: body.stat as Stat }
}

export async function exists (gw: ZkGateway, ids: readonly Id[], path: string): Promise<{ path: string, stat: Stat }> {
  checkPath(path)
  const out = await gw.run({ type: OpCode.exists, path, watch: false }, ids)
  // exists answers NONODE without a body; ZooKeeper checks no ACL for it
  if (out.err !== Err.OK || out.body?.stat === undefined) throw zkError(out.err === Err.OK ? Err.NONODE : out.err, path)
  return { path, stat: out.body.stat }
}

export async function getAcl (gw: ZkGateway, ids: readonly Id[], path: string): Promise<{ path: string, acl: ACL[], stat: Stat }> {
  checkPath(path)
  const out = await run(gw, { type: OpCode.getACL, path }, ids, path)
  return { path, acl: out.body?.acl ?? [], stat: out.body?.stat as Stat }
}

export async function getChildren (gw: ZkGateway, ids: readonly Id[], path: string): Promise<{ path: string, children: string[], stat: Stat }> {
  checkPath(path)
  const out = await run(gw, { type: OpCode.getChildren2, path, watch: false }, ids, path)
  const children = [...(out.body?.children ?? [])].sort()
  return { path, children, stat: out.body?.stat as Stat }
}

export interface CreateInput {
  data: Data
  acl?: ACL[]
  mode?: CreateMode
  ttl?: number
}

export async function create (gw: ZkGateway, ids: readonly Id[], path: string, input: CreateInput): Promise<{ path: string, stat: Stat }> {
  const flags = CREATE_MODES[input.mode ?? 'persistent']
  checkPath(path, (flags & CreateFlag.PERSISTENT_SEQUENTIAL) !== 0 && flags !== CreateFlag.CONTAINER)
  const acl = input.acl ?? OPEN_ACL
  const withTtl = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL
  if (withTtl !== (input.ttl !== undefined)) throw badArguments(withTtl ? `mode ${input.mode ?? ''} needs a ttl` : 'ttl is only for the *_with_ttl modes')
  checkFrameSize(gw, path, input.data, acl, withTtl ? 8 : 0)
  const dataLength = input.data === null ? 0 : input.data.byteLength
  const req: Request = withTtl
    ? { type: OpCode.createTTL, path, data: input.data, dataLength, acl, flags, ttl: input.ttl as number }
    : { type: flags === CreateFlag.CONTAINER ? OpCode.createContainer : OpCode.create2, path, data: input.data, dataLength, acl, flags }
  const out = await run(gw, req, ids, path)
  return { path: out.body?.path ?? path, stat: out.body?.stat as Stat }
}

export async function setData (gw: ZkGateway, ids: readonly Id[], path: string, data: Data, version: number): Promise<{ path: string, stat: Stat }> {
  checkPath(path)
  checkFrameSize(gw, path, data)
  const dataLength = data === null ? 0 : data.byteLength
  const out = await run(gw, { type: OpCode.setData, path, data, dataLength, version }, ids, path)
  return { path, stat: out.body?.stat as Stat }
}

/** setACL: `version` is the ACL version (aversion) the caller expects, -1 for any. */
export async function setAcl (gw: ZkGateway, ids: readonly Id[], path: string, acl: ACL[], version: number): Promise<{ path: string, stat: Stat }> {
  checkPath(path)
  checkFrameSize(gw, path, null, acl)
  const out = await run(gw, { type: OpCode.setACL, path, acl, version }, ids, path)
  return { path, stat: out.body?.stat as Stat }
}

export async function remove (gw: ZkGateway, ids: readonly Id[], path: string, version: number): Promise<{ path: string, deleted: number }> {
  checkPath(path)
  await run(gw, { type: OpCode.delete, path, version }, ids, path)
  return { path, deleted: 1 }
}

function childPath (parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`
}

/** One multiRead over `paths`, getData and (when `children`) getChildren for each. */
async function readBatch (gw: ZkGateway, ids: readonly Id[], paths: readonly string[], children: boolean, data: boolean): Promise<OpResult[]> {
  const ops: SubRequest[] = []
  for (const path of paths) {
    if (data) ops.push({ type: OpCode.getData, path, watch: false })
    if (children) ops.push({ type: OpCode.getChildren, path, watch: false })
  }
  const out = await gw.run({ type: OpCode.multiRead, ops }, ids)
  if (out.err !== Err.OK) throw zkError(out.err, paths[0])
  return out.body?.results ?? []
}

export interface TreeEntry {
  path: string
  /** 0 for the requested znode */
  depth: number
  stat?: Stat
  data?: Data
  /** children names (sorted) of entries above the depth limit */
  children?: string[]
  /** set instead of stat/data/children when this znode could not be read (NOAUTH) */
  error?: string
}

export interface Tree {
  path: string
  depth: number
  limit: number
  /** some znode below the limits was not listed (depth or count) */
  truncated: boolean
  nodes: TreeEntry[]
}

type Read = { err: number } | { err: 0, stat: Stat, data: Data, children: string[] | undefined }

/** in-flight getChildren2 calls of a tree listing without data */
const STAT_CONCURRENCY = 32

/**
 * Stat (and children, data) of each of `paths`. With data: one multiRead
 * (getData + getChildren) per BATCH. Without: getChildren2 per znode, a few
 * dozen at a time, so that a listing never carries data nobody asked for.
 */
async function readLevel (gw: ZkGateway, ids: readonly Id[], paths: readonly string[], listChildren: boolean, withData: boolean): Promise<Read[]> {
  const out: Read[] = []
  if (withData) {
    const per = listChildren ? 2 : 1
    for (let i = 0; i < paths.length; i += BATCH) {
      const batch = paths.slice(i, i + BATCH)
      const results = await readBatch(gw, ids, batch, listChildren, true)
      for (let j = 0; j < batch.length; j++) {
        const got = results[j * per]
        if (got.type !== OpCode.getData) {
          out.push({ err: got.type === OpCode.error ? got.err : Err.SYSTEMERROR })
          continue
        }
        const kids = listChildren ? results[j * per + 1] : undefined
        out.push({ err: 0, stat: got.stat, data: got.data, children: kids?.type === OpCode.getChildren ? kids.children : undefined })
      }
    }
    return out
  }
  for (let i = 0; i < paths.length; i += STAT_CONCURRENCY) {
    const batch = paths.slice(i, i + STAT_CONCURRENCY)
    const results = await Promise.all(batch.map((path) => gw.run({ type: OpCode.getChildren2, path, watch: false }, ids)))
    for (const r of results) {
      if (r.err !== Err.OK || r.body?.stat === undefined) out.push({ err: r.err === Err.OK ? Err.SYSTEMERROR : r.err })
      else out.push({ err: 0, stat: r.body.stat, data: null, children: listChildren ? r.body.children ?? [] : undefined })
    }
  }
  return out
}

/**
 * The subtree under `path`, breadth first, down to `depth` levels and at most
 * `limit` znodes. Each batch of reads is consistent in itself; the whole is
 * not a snapshot (a write between batches shows). A znode the caller may not
 * read is listed with error NOAUTH; one deleted meanwhile is left out.
 */
export async function tree (gw: ZkGateway, ids: readonly Id[], path: string, depth: number, limit: number, withData: boolean): Promise<Tree> {
  checkPath(path)
  const nodes: TreeEntry[] = []
  let truncated = false
  let level = [path]
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = []
    const listChildren = d < depth
    const reads = await readLevel(gw, ids, level, listChildren, withData)
    for (let j = 0; j < level.length; j++) {
      const p = level[j]
      const got = reads[j]
      if (!('stat' in got)) {
        if (d === 0) throw zkError(got.err, path)
        // deleted since its parent was listed: it is simply not there any more
        if (got.err !== Err.NONODE) nodes.push({ path: p, depth: d, error: errName(got.err) })
        continue
      }
      const entry: TreeEntry = { path: p, depth: d, stat: got.stat }
      if (withData) entry.data = got.data
      if (got.children !== undefined) {
        const names = [...got.children].sort()
        entry.children = names
        for (const n of names) next.push(childPath(p, n))
      } else if (got.stat.numChildren > 0) {
        truncated = true
      }
      nodes.push(entry)
    }
    const room = limit - nodes.length
    if (next.length > room) {
      truncated = true
      next.length = Math.max(0, room)
    }
    level = next
  }
  return { path, depth, limit, truncated, nodes }
}

/** Every znode under (and including) `path`, parents before children; undefined when `path` is gone. */
async function listSubtree (gw: ZkGateway, ids: readonly Id[], path: string): Promise<string[] | undefined> {
  const all: string[] = []
  let level = [path]
  while (level.length > 0) {
    const next: string[] = []
    for (let i = 0; i < level.length; i += BATCH) {
      const batch = level.slice(i, i + BATCH)
      const results = await readBatch(gw, ids, batch, true, false)
      for (let j = 0; j < batch.length; j++) {
        const r = results[j]
        if (r.type === OpCode.error) {
          if (r.err === Err.NONODE) {
            if (batch[j] === path) return undefined
            continue // deleted meanwhile
          }
          throw zkError(r.err, batch[j], 'cannot list children')
        }
        if (r.type !== OpCode.getChildren) continue
        all.push(batch[j])
        for (const n of r.children) next.push(childPath(batch[j], n))
      }
    }
    if (all.length + next.length > DELETE_TREE_MAX) {
      throw new ApiError(400, 'BADARGUMENTS', `${path} has more than ${DELETE_TREE_MAX} znodes; delete it in parts`, Err.BADARGUMENTS)
    }
    level = next
  }
  return all
}

/** Deletes in batches that fit jute.maxbuffer: a multi each, leaves first. */
function deleteBatches (gw: ZkGateway, paths: readonly string[], root: string, version: number): SubRequest[][] {
  const batches: SubRequest[][] = []
  let ops: SubRequest[] = []
  let size = 0
  const budget = Math.floor(gw.maxBuffer / 2)
  const start = (): void => {
    ops = []
    size = 0
    // every batch is conditional on the root's version, so If-Match holds
    // before anything is deleted, not only at the last step
    if (version !== -1) ops.push({ type: OpCode.check, path: root, version })
  }
  start()
  for (const p of paths) {
    const cost = 24 + utf8Length(p)
    if (ops.length >= BATCH || (size + cost > budget && ops.length > 0)) {
      batches.push(ops)
      start()
    }
    ops.push({ type: OpCode.delete, path: p, version: p === root ? version : -1 })
    size += cost
  }
  batches.push(ops)
  return batches
}

/**
 * ZKUtil.deleteRecursive's semantics with clear failure modes: list the
 * subtree, delete it leaves first in atomic multi batches. A batch that
 * loses a race with another writer (NONODE: already deleted; NOTEMPTY: a
 * child appeared) makes it list again, up to DELETE_ROUNDS times. Not atomic
 * as a whole: on NOAUTH or BADVERSION part of the subtree may be gone; the
 * error says how many znodes were deleted.
 */
export async function removeTree (gw: ZkGateway, ids: readonly Id[], path: string, version: number): Promise<{ path: string, deleted: number }> {
  checkPath(path)
  if (path === '/') throw badArguments('the root znode cannot be deleted')
  let deleted = 0
  for (let round = 0; round < DELETE_ROUNDS; round++) {
    const all = await listSubtree(gw, ids, path)
    if (all === undefined) {
      if (deleted > 0) return { path, deleted }
      throw zkError(Err.NONODE, path)
    }
    let raced = false
    for (const ops of deleteBatches(gw, all.reverse(), path, version)) {
      const out = await gw.run({ type: OpCode.multi, ops }, ids)
      if (out.err !== Err.OK) throw zkError(out.err, path)
      const results = out.body?.results ?? []
      const failed = results.findIndex((r) => r.type === OpCode.error && r.err !== Err.OK && r.err !== Err.RUNTIMEINCONSISTENCY)
      if (failed === -1) {
        deleted += ops.filter((o) => o.type === OpCode.delete).length
        continue
      }
      const err = (results[failed] as { err: number }).err
      if (err === Err.NONODE || err === Err.NOTEMPTY) {
        raced = true
        break
      }
      const e = zkError(err, (ops[failed] as { path: string }).path)
      throw new ApiError(e.status, e.error, `${e.message} (${deleted} znodes deleted before)`, e.code)
    }
    if (!raced) return { path, deleted }
  }
  throw new ApiError(409, 'NOTEMPTY', `${path} kept changing while being deleted (${deleted} znodes deleted)`, Err.NOTEMPTY)
}
