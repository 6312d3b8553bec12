// Request records: the server decodes them into the engine's Request union
// (plus the protocol-only requests of ./types), the client encodes them.
// Record layouts follow zookeeper.jute; multi follows MultiOperationRecord.

import { OpCode } from '../engine/codes'
import type {
  CheckRequest, CreateRequest, CreateTTLRequest, DeleteRequest, MultiRequest,
  PathWatchRequest, SetDataRequest, SetWatchesRequest, SubRequest
} from '../engine/types'
import { JuteDecodeError, JuteEncodeError, UnknownOpcodeError } from './errors'
import { JuteReader, JuteWriter, sharedWriter } from './jute'
import { readRequestAcls, writeAcls } from './records'
import type { RequestHeader, WireRequest } from './types'

export function decodeRequestHeader (r: JuteReader): RequestHeader {
  const xid = r.int()
  const type = r.int()
  return { xid, type }
}

function decodeCreate (type: CreateRequest['type'], r: JuteReader): CreateRequest {
  const path = r.string('path')
  // Copied: the store keeps it beyond the life of the frame.
  const data = r.bufferCopy()
  const acl = readRequestAcls(r)
  const flags = r.int()
  return { type, path, data, dataLength: data === null ? 0 : data.length, acl, flags }
}

function decodeCreateTTL (r: JuteReader): CreateTTLRequest {
  const path = r.string('path')
  const data = r.bufferCopy()
  const acl = readRequestAcls(r)
  const flags = r.int()
  const ttl = r.long()
  return { type: OpCode.createTTL, path, data, dataLength: data === null ? 0 : data.length, acl, flags, ttl }
}

function decodeDelete (r: JuteReader): DeleteRequest {
  const path = r.string('path')
  const version = r.int()
  return { type: OpCode.delete, path, version }
}

function decodeSetData (r: JuteReader): SetDataRequest {
  const path = r.string('path')
  const data = r.bufferCopy()
  const version = r.int()
  return { type: OpCode.setData, path, data, dataLength: data === null ? 0 : data.length, version }
}

function decodeCheck (r: JuteReader): CheckRequest {
  const path = r.string('path')
  const version = r.int()
  return { type: OpCode.check, path, version }
}

function decodePathWatch (type: PathWatchRequest['type'], r: JuteReader): PathWatchRequest {
  const path = r.string('path')
  const watch = r.bool()
  return { type, path, watch }
}

/**
 * multi and multiRead: MultiHeader{type, done, err} + record, until a header
 * with done=true. ZooKeeper answers MARSHALLINGERROR to a multi holding a read
 * op, a multiRead holding a write op, or an op kind it has no record for; we
 * reject all of these here as malformed, so the server can do the same.
 */
function decodeMulti (type: MultiRequest['type'], r: JuteReader): MultiRequest {
  const ops: SubRequest[] = []
  const read = type === OpCode.multiRead
  for (;;) {
    const opType = r.int()
    const done = r.bool()
    r.int() // err: always -1 in requests, unused
    if (done) break
    let op: SubRequest
    switch (opType) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        op = decodeCreate(opType, r)
        break
      case OpCode.createTTL:
        op = decodeCreateTTL(r)
        break
      case OpCode.delete:
        op = decodeDelete(r)
        break
      case OpCode.setData:
        op = decodeSetData(r)
        break
      case OpCode.check:
        op = decodeCheck(r)
        break
      case OpCode.getData:
      case OpCode.getChildren:
        op = decodePathWatch(opType, r)
        // ZooKeeper's Op.getData/getChildren drop the flag: reads in a multiRead never set watches.
        op.watch = false
        break
      default:
        throw new JuteDecodeError(`opcode ${opType} is not allowed inside a multi`)
    }
    const isRead = op.type === OpCode.getData || op.type === OpCode.getChildren
    if (isRead !== read) {
      throw new JuteDecodeError(`opcode ${opType} is a ${isRead ? 'read' : 'write'} op inside a ${read ? 'multiRead' : 'multi'}`)
    }
    ops.push(op)
  }
  return { type, ops }
}

function decodeSetWatches (type: SetWatchesRequest['type'], r: JuteReader): SetWatchesRequest {
  const relativeZxid = r.long()
  const dataWatches = r.stringVector('dataWatches')
  const existWatches = r.stringVector('existWatches')
  const childWatches = r.stringVector('childWatches')
  let persistentWatches: string[] = []
  let persistentRecursiveWatches: string[] = []
  if (type === OpCode.setWatches2) {
    persistentWatches = r.stringVector('persistentWatches')
    persistentRecursiveWatches = r.stringVector('persistentRecursiveWatches')
  }
  return { type, relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches }
}

/**
 * Decode the record after the RequestHeader. Throws UnknownOpcodeError for an
 * opcode with no record (ZooKeeper answers UNIMPLEMENTED and closes the
 * connection), JuteDecodeError for a malformed body (ZooKeeper answers
 * MARSHALLINGERROR). Trailing bytes are ignored, as Java's archive does.
 * Null where a string is required (a path, a scheme) counts as malformed.
 */
export function decodeRequest (type: number, r: JuteReader): WireRequest {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return decodeCreate(type, r)
    case OpCode.createTTL:
      return decodeCreateTTL(r)
    case OpCode.delete:
      return decodeDelete(r)
    case OpCode.deleteContainer:
      // ZooKeeper reads this body as the bare UTF-8 path, no jute framing
      // (only its ContainerManager ever sends it).
      return { type: OpCode.deleteContainer, path: r.rest().toString('utf8'), version: -1 }
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return decodePathWatch(type, r)
    case OpCode.setData:
      return decodeSetData(r)
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      return { type, path: r.string('path') }
    case OpCode.getEphemerals:
      // null and "" both mean every ephemeral of the session.
      return { type: OpCode.getEphemerals, prefixPath: r.ustring() ?? '' }
    case OpCode.setACL: {
      const path = r.string('path')
      const acl = readRequestAcls(r)
      const version = r.int()
      return { type: OpCode.setACL, path, acl, version }
    }
    case OpCode.check:
      return decodeCheck(r)
    case OpCode.multi:
    case OpCode.multiRead:
      return decodeMulti(type, r)
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return decodeSetWatches(type, r)
    case OpCode.closeSession:
      return { type: OpCode.closeSession }
    case OpCode.ping:
      return { type: OpCode.ping }
    case OpCode.auth: {
      const authType = r.int()
      const scheme = r.string('scheme')
      const auth = r.bufferCopy() ?? Buffer.alloc(0)
      return { type: OpCode.auth, authType, scheme, auth }
    }
    case OpCode.sasl:
      return { type: OpCode.sasl, token: r.bufferCopy() ?? Buffer.alloc(0) }
    case OpCode.addWatch: {
      const path = r.string('path')
      const mode = r.int()
      return { type: OpCode.addWatch, path, mode }
    }
    case OpCode.checkWatches:
    case OpCode.removeWatches: {
      const path = r.string('path')
      const watcherType = r.int()
      return { type, path, watcherType }
    }
    case OpCode.whoAmI:
      return { type: OpCode.whoAmI }
    case OpCode.reconfig: {
      const joiningServers = r.ustring()
      const leavingServers = r.ustring()
      const newMembers = r.ustring()
      const curConfigId = r.long()
      return { type: OpCode.reconfig, joiningServers, leavingServers, newMembers, curConfigId }
    }
    default:
      throw new UnknownOpcodeError(type)
  }
}

function writeSubRequest (w: JuteWriter, op: SubRequest): void {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      w.ustring(op.path).buffer(op.data)
      writeAcls(w, op.acl)
      w.int(op.flags)
      return
    case OpCode.createTTL:
      w.ustring(op.path).buffer(op.data)
      writeAcls(w, op.acl)
      w.int(op.flags).long(op.ttl)
      return
    case OpCode.delete:
    case OpCode.check:
      w.ustring(op.path).int(op.version)
      return
    case OpCode.setData:
      w.ustring(op.path).buffer(op.data).int(op.version)
      return
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      w.ustring(op.path).bool(op.watch)
      return
    default:
      throw new JuteEncodeError(`opcode ${op.type} cannot be encoded inside a multi`)
  }
}

/** Writes the record of `req` (no header). */
function writeRequestBody (w: JuteWriter, req: WireRequest): void {
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.check:
    case OpCode.setData:
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      writeSubRequest(w, req)
      return
    case OpCode.deleteContainer:
      w.raw(Buffer.from(req.path, 'utf8'))
      return
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      w.ustring(req.path)
      return
    case OpCode.getEphemerals:
      w.ustring(req.prefixPath)
      return
    case OpCode.setACL:
      w.ustring(req.path)
      writeAcls(w, req.acl)
      w.int(req.version)
      return
    case OpCode.multi:
    case OpCode.multiRead:
      for (const op of req.ops) {
        w.int(op.type).bool(false).int(-1)
        writeSubRequest(w, op)
      }
      w.int(-1).bool(true).int(-1)
      return
    case OpCode.setWatches:
    case OpCode.setWatches2:
      w.long(req.relativeZxid).stringVector(req.dataWatches).stringVector(req.existWatches).stringVector(req.childWatches)
      if (req.type === OpCode.setWatches2) w.stringVector(req.persistentWatches).stringVector(req.persistentRecursiveWatches)
      return
    case OpCode.closeSession:
    case OpCode.ping:
    case OpCode.whoAmI:
      return
    case OpCode.auth:
      w.int(req.authType).ustring(req.scheme).buffer(req.auth)
      return
    case OpCode.sasl:
      w.buffer(req.token)
      return
    case OpCode.addWatch:
      w.ustring(req.path).int(req.mode)
      return
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      w.ustring(req.path).int(req.watcherType)
      return
    case OpCode.reconfig:
      w.ustring(req.joiningServers).ustring(req.leavingServers).ustring(req.newMembers).long(req.curConfigId)
      return
    default: {
      const unknown: { type: number } = req
      throw new JuteEncodeError(`no request record for opcode ${unknown.type}`)
    }
  }
}

/** Client side: a complete request frame, RequestHeader{xid, type} + record. */
export function encodeRequest (w: JuteWriter | undefined, xid: number, req: WireRequest): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(xid).int(req.type)
  writeRequestBody(jw, req)
  return jw.frame()
}

/** Client side: a request frame with an arbitrary opcode and raw body, to probe a server with what no codec would send. */
export function encodeRawRequest (w: JuteWriter | undefined, xid: number, type: number, body?: Uint8Array): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(xid).int(type)
  if (body !== undefined) jw.raw(body)
  return jw.frame()
}
