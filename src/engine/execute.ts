// One ZooKeeper request in, one Outcome out: the engine's front door. Writes
// run as a Txn (a zxid is consumed even when they fail, as ZooKeeper's error
// txns do); reads touch nothing but watch tables.

import { CreateFlag, Err, OpCode } from './codes'
import { Txn } from './txn'
import * as reads from './reads'
import * as writes from './writes'
import { addWatch, setWatches, setWatchesSize, watchesRequest, watchRoom } from './watches'
import { closeSession } from './sessions'
import type { Context, MultiRequest, OpResult, Outcome, ReplyBody, Request, Storage, SubRequest } from './types'
import type { Applied } from './writes'

export interface EngineOptions {
  /** zookeeper.extendedTypesEnabled: TTL nodes */
  extendedTypes?: boolean
  /** zookeeper.enforceQuota: hard quota limits refuse creates and setData (QUOTAEXCEEDED) */
  enforceQuota?: boolean
}

function applyWrite(txn: Txn, ctx: Context, op: SubRequest, opts: EngineOptions): Applied {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return writes.create(txn, ctx, op, opts.extendedTypes === true, opts.enforceQuota === true)
    case OpCode.delete:
    case OpCode.deleteContainer:
      return writes.remove(txn, ctx, op)
    case OpCode.setData:
      return writes.setData(txn, ctx, op, opts.enforceQuota === true)
    case OpCode.check:
      return writes.check(txn, ctx, op)
    default:
      // MultiOperationRecord refuses other op types while decoding
      return Err.MARSHALLINGERROR
  }
}

function write(store: Storage, ctx: Context, req: Request, opts: EngineOptions): Outcome {
  const txn = new Txn(store, ctx.now)
  const r = applyWrite(txn, ctx, req as SubRequest, opts)
  if (typeof r === 'number') {
    txn.abort()
    return { err: r, zxid: txn.zxid, events: [] }
  }
  const events = txn.commit()
  let body: ReplyBody | undefined
  if (r.type === OpCode.create) body = { path: r.path }
  else if (r.type === OpCode.create2 || r.type === OpCode.createContainer || r.type === OpCode.createTTL) body = { path: r.path, stat: r.stat }
  else if (r.type === OpCode.setData) body = { stat: r.stat }
  return { err: Err.OK, zxid: txn.zxid, body, events }
}

/**
 * ZooKeeper rebuilds a multi's create ops while decoding them (Op.create):
 * the opcode follows the flags (container → createContainer, TTL → createTTL,
 * anything else → create, so a create2 answers without a Stat) and unknown
 * flags become PERSISTENT.
 */
function asMultiOp(op: SubRequest): SubRequest {
  if (op.type !== OpCode.create && op.type !== OpCode.create2 && op.type !== OpCode.createContainer && op.type !== OpCode.createTTL) return op
  let flags = op.flags
  if (flags < CreateFlag.PERSISTENT || flags > CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL || flags % 1 !== 0) flags = CreateFlag.PERSISTENT
  const ttl = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL
  if (ttl && op.type === OpCode.createTTL) return { ...op, flags }
  const type = flags === CreateFlag.CONTAINER ? OpCode.createContainer : OpCode.create
  return { type, path: op.path, data: op.data, dataLength: op.dataLength, acl: op.acl, flags, pathState: op.pathState, aclInvalid: op.aclInvalid }
}

/** A create/create2/createContainer sub-op (a CreateRequest, no ttl) whose flags name a TTL mode. */
function ttlWithoutTtl(op: SubRequest): boolean {
  if (op.type !== OpCode.create && op.type !== OpCode.create2 && op.type !== OpCode.createContainer) return false
  return op.flags === CreateFlag.PERSISTENT_WITH_TTL || op.flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL
}

// ZooKeeper's multi: the first failing op aborts the rest; results are OK
// before it, its own code at it, RUNTIMEINCONSISTENCY after it.
function multi(store: Storage, ctx: Context, req: MultiRequest, opts: EngineOptions): Outcome {
  const txn = new Txn(store, ctx.now)
  for (const op of req.ops) {
    if (op.type !== OpCode.create && op.type !== OpCode.create2 && op.type !== OpCode.createContainer && op.type !== OpCode.createTTL &&
      op.type !== OpCode.delete && op.type !== OpCode.deleteContainer && op.type !== OpCode.setData && op.type !== OpCode.check) {
      // MultiOperationRecord refuses the record; ZooKeeper answers with an error txn
      txn.abort()
      return { err: Err.MARSHALLINGERROR, zxid: txn.zxid, events: [] }
    }
  }
  const results: OpResult[] = []
  let failedAt = -1
  let failure = 0
  for (let i = 0; i < req.ops.length; i++) {
    if (ttlWithoutTtl(req.ops[i])) {
      // Op.create gives a CreateRequest with TTL flags the createTTL opcode;
      // PrepRequestProcessor then casts it to CreateTTLRequest and fails the
      // whole request (only once every op before it succeeded)
      txn.abort()
      return { err: Err.MARSHALLINGERROR, zxid: txn.zxid, events: [] }
    }
    const r = applyWrite(txn, ctx, asMultiOp(req.ops[i]), opts)
    if (typeof r === 'number') {
      failedAt = i
      failure = r
      break
    }
    results.push(r)
  }
  if (failedAt === -1) {
    const events = txn.commit()
    return { err: Err.OK, zxid: txn.zxid, body: { results }, events }
  }
  txn.abort()
  const failed: OpResult[] = []
  for (let i = 0; i < req.ops.length; i++) {
    const err = i < failedAt ? Err.OK : i === failedAt ? failure : Err.RUNTIMEINCONSISTENCY
    failed.push({ type: OpCode.error, err })
  }
  return { err: Err.OK, zxid: txn.zxid, body: { results: failed }, events: [] }
}

function multiRead(store: Storage, ctx: Context, req: MultiRequest): Outcome {
  const zxid = store.getZxid()
  for (const op of req.ops) {
    if (op.type !== OpCode.getData && op.type !== OpCode.getChildren) return { err: Err.MARSHALLINGERROR, zxid, events: [] }
  }
  const results: OpResult[] = []
  for (const op of req.ops) results.push(reads.readSub(store, ctx, op as never))
  return { err: Err.OK, zxid, body: { results }, events: [] }
}

function read(store: Storage, r: reads.ReadResult): Outcome {
  const zxid = store.getZxid()
  if (typeof r === 'number') return { err: r, zxid, events: [] }
  return { err: Err.OK, zxid, body: r, events: [] }
}

/**
 * Execute one request for a session. Callers in JavaScript must have run
 * prepareRequest() on it (engine/index.ts's execute does).
 */
export function executePrepared(store: Storage, ctx: Context, req: Request, opts: EngineOptions = {}): Outcome {
  if (store.getSession(ctx.session) === undefined) {
    return { err: Err.SESSIONEXPIRED, zxid: store.getZxid(), events: [] }
  }
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.setData:
      return write(store, ctx, req, opts)
    case OpCode.setACL: {
      const txn = new Txn(store, ctx.now)
      const r = writes.setAcl(txn, ctx, req)
      if (typeof r === 'number') {
        txn.abort()
        return { err: r, zxid: txn.zxid, events: [] }
      }
      txn.commit()
      return { err: Err.OK, zxid: txn.zxid, body: { stat: (r as { stat: ReplyBody['stat'] }).stat }, events: [] }
    }
    case OpCode.multi:
      return multi(store, ctx, req, opts)
    case OpCode.multiRead:
      return multiRead(store, ctx, req)
    case OpCode.exists:
      return read(store, reads.exists(store, ctx, req))
    case OpCode.getData:
      return read(store, reads.getData(store, ctx, req))
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return read(store, reads.getChildren(store, ctx, req))
    case OpCode.getACL:
      return read(store, reads.getAcl(store, ctx, req.path))
    case OpCode.getAllChildrenNumber:
      return read(store, reads.getAllChildrenNumber(store, ctx, req.path))
    case OpCode.sync:
      return read(store, { path: req.path })
    case OpCode.getEphemerals:
      return read(store, reads.getEphemerals(store, ctx, req.prefixPath))
    case OpCode.setWatches:
    case OpCode.setWatches2:
      if (!watchRoom(store, ctx, setWatchesSize(req))) return { err: Err.QUOTAEXCEEDED, zxid: store.getZxid(), events: [] }
      return { err: Err.OK, zxid: store.getZxid(), events: setWatches(store, ctx, req) }
    case OpCode.addWatch:
      return addWatch(store, ctx, req)
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return watchesRequest(store, ctx, req)
    case OpCode.closeSession:
      return closeSession(store, ctx)
    case OpCode.check:
      // not a valid top-level request in ZooKeeper (Request.isValid)
      return { err: Err.UNIMPLEMENTED, zxid: store.getZxid(), events: [] }
  }
}
