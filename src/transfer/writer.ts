// Creates a stream of znode records on a target, parent before child, with
// many creates in flight on one session (the server applies a session's
// requests in order, so a child's create never overtakes its parent's).
//
// ACLs: a znode whose ACL would stop the importer creating its children (no
// CREATE and DELETE for world:anyone) is created open and gets its real ACL
// at the end, after its children and any sequence fillers. Leaves get their
// ACL at create. Stats (zxids, times, versions) cannot be set through the
// client protocol: the target's are its own.

import { CreateFlag, Err, OpCode, Perm } from '../engine/codes'
import type { ACL } from '../engine/types'
import type { WireRequest } from '../protocol'
import { OPEN_ACL, type Endpoint } from './endpoint'
import { TransferError } from './errors'
import { parentOf } from './dump-file'
import type { ZnodeRecord } from './format'
import { liftSequence, sequentialSuffix } from './sequence'

export type ExistingMode = 'fail' | 'skip' | 'overwrite'

export interface WriteOptions {
  /** what to do with a znode the target already has (default fail) */
  existing?: ExistingMode
  /** create the source's ephemerals as persistent znodes (default: leave them out) */
  includeEphemerals?: boolean
  /** requests in flight (default 512) */
  window?: number
  /** filler creates allowed in all, to lift sequence counters (default 1,000,000) */
  maxFill?: number
  onRecord?: (n: number) => void
}

export interface WriteSummary {
  /** znode records read */
  read: number
  created: number
  /** already on the target and left alone (--existing skip) */
  kept: number
  /** already on the target, data and ACL overwritten */
  overwritten: number
  ephemeralsSkipped: number
  ephemeralsAsPersistent: number
  /** records under /zookeeper on the target, never written */
  systemSkipped: number
  /** parents whose sequence counter was lifted, and the filler creates it took */
  sequenceParents: number
  fillers: number
  /** ACLs set after the children were created */
  lateAcls: number
}

const SYSTEM = '/zookeeper'

/** Refuses, before any write, when the target already holds one of the tree's top-level znodes (and so possibly any of it). */
export async function assertTargetFree (dst: Endpoint, topLevel: string[]): Promise<void> {
  const found: string[] = []
  const replies = topLevel.filter((p) => !isSystem(dst.wire(p))).map(async (p) => {
    const r = await dst.send({ type: OpCode.exists, path: dst.wire(p), watch: false })
    if (r.err === Err.OK) found.push(dst.wire(p))
    else if (r.err !== Err.NONODE) dst.check(r, 'exists', dst.wire(p))
  })
  await Promise.all(replies)
  if (found.length > 0) {
    found.sort()
    const more = found.length > 1 ? ` (and ${found.length - 1} more)` : ''
    throw new TransferError(`the target ${dst.address.hostPort} already has ${found[0]}${more}: nothing written; pass --existing skip or --existing overwrite`)
  }
}

export async function writeTree (dst: Endpoint, records: AsyncIterable<ZnodeRecord>, opts: WriteOptions = {}): Promise<WriteSummary> {
  const mode = opts.existing ?? 'fail'
  const s: WriteSummary = { read: 0, created: 0, kept: 0, overwritten: 0, ephemeralsSkipped: 0, ephemeralsAsPersistent: 0, systemSkipped: 0, sequenceParents: 0, fillers: 0, lateAcls: 0 }
  const limit = new Limiter(Math.max(1, opts.window ?? 512))
  const late: Array<{ path: string, acl: ACL[] }> = []
  // parent (wire path) → its sequence counter in the source, for parents with children
  const counters = new Map<string, number>()
  // parent (wire path) → the highest sequential suffix among its imported children
  const highest = new Map<string, number>()
  let failure: Error | undefined
  const fail = (err: unknown): void => { failure ??= err as Error }

  for await (const rec of records) {
    if (failure !== undefined) break
    opts.onRecord?.(++s.read)
    const path = dst.wire(rec.path)
    if (rec.path === '/') {
      if (rec.stat.numChildren > 0) counters.set(path, createsOf(rec))
      if (mode !== 'skip') await applyRoot(dst, rec, late)
      continue
    }
    if (isSystem(path)) {
      s.systemSkipped++
      continue
    }
    if (rec.kind === 'ephemeral') {
      if (opts.includeEphemerals !== true) {
        s.ephemeralsSkipped++
        continue
      }
      s.ephemeralsAsPersistent++
    }
    if (rec.stat.numChildren > 0) counters.set(path, createsOf(rec))
    const parent = parentOf(path) as string
    const suffix = sequentialSuffix(path.slice(path.lastIndexOf('/') + 1), counters.get(parent) ?? 0)
    if (suffix !== undefined && suffix >= (highest.get(parent) ?? -1)) highest.set(parent, suffix)

    const deferAcl = rec.stat.numChildren > 0 && !grantsWorld(rec.acl, Perm.CREATE | Perm.DELETE)
    await limit.slot()
    limit.run(dst.send(createRequest(path, rec, deferAcl ? OPEN_ACL : rec.acl)).then(async (r) => {
      // ZooKeeper checks CREATE on the parent before it looks for the node:
      // an existing znode under a parent we may not create in answers NOAUTH.
      if (r.err === Err.NOAUTH && mode !== 'fail' && (await dst.send({ type: OpCode.exists, path, watch: false })).err === Err.OK) {
        r = { ...r, err: Err.NODEEXISTS }
      }
      if (r.err === Err.OK) {
        s.created++
        if (deferAcl) late.push({ path, acl: rec.acl })
        return
      }
      if (r.err === Err.NONODE) throw new TransferError(`create ${path} on ${dst.address.hostPort} failed: NONODE: its parent is missing on the target`)
      if (r.err !== Err.NODEEXISTS) dst.check(r, 'create', path)
      if (mode === 'fail') throw new TransferError(`the target ${dst.address.hostPort} already has ${path}: pass --existing skip or --existing overwrite`)
      if (mode === 'skip') {
        s.kept++
        return
      }
      const set = await dst.send({ type: OpCode.setData, path, data: rec.data, dataLength: rec.data?.length ?? 0, version: -1 })
      dst.check(set, 'setData', path)
      late.push({ path, acl: rec.acl })
      s.overwritten++
    }).catch(fail))
  }
  await limit.drain()
  if (failure !== undefined) throw failure

  const budget = opts.maxFill ?? 1_000_000
  for (const [parent, max] of highest) {
    const fillers = await liftSequence(dst, parent, max + 1, budget - s.fillers, `${budget}`)
    if (fillers > 1) s.sequenceParents++
    s.fillers += fillers
  }

  for (const { path, acl } of late) {
    await limit.slot()
    limit.run(dst.send({ type: OpCode.setACL, path, acl, version: -1 }).then((r) => {
      dst.check(r, 'setACL', path)
      s.lateAcls++
    }).catch(fail))
  }
  await limit.drain()
  if (failure !== undefined) throw failure
  return s
}

/** The root always exists: copy its data now and its ACL at the end, when they differ. */
async function applyRoot (dst: Endpoint, rec: ZnodeRecord, late: Array<{ path: string, acl: ACL[] }>): Promise<void> {
  const path = dst.wire('/')
  const [d, a] = await Promise.all([
    dst.send({ type: OpCode.getData, path, watch: false }),
    dst.send({ type: OpCode.getACL, path })
  ])
  dst.check(d, 'getData', path)
  dst.check(a, 'getACL', path)
  const data = d.body?.data ?? null
  const same = data === null || rec.data === null ? data === rec.data : Buffer.compare(Buffer.from(data), rec.data) === 0
  if (!same) dst.check(await dst.send({ type: OpCode.setData, path, data: rec.data, dataLength: rec.data?.length ?? 0, version: -1 }), 'setData', path)
  if (JSON.stringify(a.body?.acl) !== JSON.stringify(rec.acl)) late.push({ path, acl: rec.acl })
}

function createRequest (path: string, rec: ZnodeRecord, acl: ACL[]): WireRequest {
  const base = { path, data: rec.data, dataLength: rec.data?.length ?? 0, acl }
  if (rec.kind === 'container') return { type: OpCode.createContainer, ...base, flags: CreateFlag.CONTAINER }
  if (rec.kind === 'ttl') return { type: OpCode.createTTL, ...base, flags: CreateFlag.PERSISTENT_WITH_TTL, ttl: rec.ttl ?? 1 }
  return { type: OpCode.create, ...base, flags: CreateFlag.PERSISTENT }
}

/**
 * The parent's sequence counter: the children it ever created. The Stat a
 * client sees reports creations plus deletions (ZooKeeper's copyStat:
 * 2 × creations − numChildren), so the counter is recovered from both.
 */
function createsOf (rec: ZnodeRecord): number {
  return (rec.stat.cversion + rec.stat.numChildren) / 2
}

function grantsWorld (acl: ACL[], perms: number): boolean {
  return acl.some((a) => a.id.scheme === 'world' && a.id.id === 'anyone' && (a.perms & perms) === perms)
}

function isSystem (wirePath: string): boolean {
  return wirePath === SYSTEM || wirePath.startsWith(SYSTEM + '/')
}

/** At most `max` requests in flight; run() tracks one, slot() waits for room. */
class Limiter {
  private active = 0
  private waiters: Array<() => void> = []
  constructor (private readonly max: number) {}

  slot (): Promise<void> {
    if (this.active < this.max) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  run (p: Promise<void>): void {
    this.active++
    void p.finally(() => {
      this.active--
      this.waiters.shift()?.()
    })
  }

  async drain (): Promise<void> {
    while (this.active > 0) await new Promise<void>((resolve) => this.waiters.push(resolve))
  }
}

