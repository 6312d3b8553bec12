// Replies and notifications: ReplyHeader{xid, zxid, err}, then (only when err
// is OK) the response record of the request's opcode. Watch events and ping
// replies are ReplyHeaders with the reserved xids -1 and -2.

import { OpCode, Xid, type EventType, type KeeperState } from '../engine/codes'
import type { OpResult, Stat } from '../engine/types'
import { JuteDecodeError, JuteEncodeError } from './errors'
import { JuteReader, JuteWriter, sharedWriter } from './jute'
import { readAcls, readStat, writeAcls, writeStat } from './records'
import type { ClientInfo, ReplyHeader, WatcherEvent, WireReplyBody } from './types'

function need<T> (v: T | undefined, field: string, type: number): T {
  if (v === undefined) throw new JuteEncodeError(`reply to opcode ${type} needs body.${field}`)
  return v
}

function writeResults (w: JuteWriter, results: readonly OpResult[]): void {
  for (let i = 0; i < results.length; i++) {
    const res = results[i]
    switch (res.type) {
      case OpCode.create:
        w.int(OpCode.create).bool(false).int(0).ustring(res.path)
        break
      // ZooKeeper's CreateResult with a Stat is always typed create2 on the wire.
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        w.int(OpCode.create2).bool(false).int(0).ustring(res.path)
        writeStat(w, res.stat)
        break
      case OpCode.delete:
      case OpCode.deleteContainer:
        w.int(OpCode.delete).bool(false).int(0)
        break
      case OpCode.setData:
        w.int(OpCode.setData).bool(false).int(0)
        writeStat(w, res.stat)
        break
      case OpCode.check:
        w.int(OpCode.check).bool(false).int(0)
        break
      case OpCode.getData:
        w.int(OpCode.getData).bool(false).int(0).buffer(res.data)
        writeStat(w, res.stat)
        break
      case OpCode.getChildren:
        w.int(OpCode.getChildren).bool(false).int(0).stringVector(res.children)
        break
      case OpCode.error:
        w.int(OpCode.error).bool(false).int(res.err).int(res.err)
        break
      default: {
        const unknown: { type: number } = res
        throw new JuteEncodeError(`no multi result record for opcode ${unknown.type}`)
      }
    }
  }
  w.int(-1).bool(true).int(-1)
}

function writeClientInfo (w: JuteWriter, infos: readonly ClientInfo[]): void {
  w.int(infos.length)
  for (const ci of infos) w.ustring(ci.authScheme).ustring(ci.user)
}

/** Writes the response record for `type`. Opcodes whose reply is the bare header write nothing. */
function writeReplyBody (w: JuteWriter, type: number, body: WireReplyBody | undefined): void {
  const b: WireReplyBody = body ?? {}
  switch (type) {
    case OpCode.create:
    case OpCode.sync:
      w.ustring(need(b.path, 'path', type))
      return
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      w.ustring(need(b.path, 'path', type))
      writeStat(w, need(b.stat, 'stat', type))
      return
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      writeStat(w, need(b.stat, 'stat', type))
      return
    case OpCode.getData:
    case OpCode.reconfig:
      w.buffer(need(b.data, 'data', type))
      writeStat(w, need(b.stat, 'stat', type))
      return
    case OpCode.getACL:
      writeAcls(w, need(b.acl, 'acl', type))
      writeStat(w, need(b.stat, 'stat', type))
      return
    case OpCode.getChildren:
      w.stringVector(need(b.children, 'children', type))
      return
    case OpCode.getChildren2:
      w.stringVector(need(b.children, 'children', type))
      writeStat(w, need(b.stat, 'stat', type))
      return
    case OpCode.multi:
    case OpCode.multiRead:
      writeResults(w, need(b.results, 'results', type))
      return
    case OpCode.getEphemerals:
      w.stringVector(need(b.paths, 'paths', type))
      return
    case OpCode.getAllChildrenNumber:
      w.int(need(b.count, 'count', type))
      return
    case OpCode.addWatch:
      // ZooKeeper answers addWatch with an ErrorResponse{err: 0} record.
      w.int(0)
      return
    case OpCode.whoAmI:
      writeClientInfo(w, need(b.clientInfo, 'clientInfo', type))
      return
    case OpCode.sasl:
      w.buffer(need(b.token, 'token', type))
      return
    default:
      // delete, deleteContainer, check, setWatches(2), closeSession, auth,
      // checkWatches, removeWatches, ping: the header is the whole reply.
      return
  }
}

/**
 * A complete reply frame. The response record follows only when err is OK:
 * on error ZooKeeper sends the header alone (exists on a missing node too).
 */
export function encodeReply (w: JuteWriter | undefined, xid: number, zxid: number, err: number, type: number, body?: WireReplyBody): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(xid).long(zxid).int(err)
  if (err === 0) writeReplyBody(jw, type, body)
  return jw.frame()
}

/**
 * A notification frame. ZooKeeper 3.8 (ServerCnxn.process) sends xid -1 and
 * zxid -1 in the header, not the zxid of the change.
 */
export function encodeWatchEvent (w: JuteWriter | undefined, type: EventType, state: KeeperState, path: string): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(Xid.NOTIFICATION).long(-1).int(0).int(type).int(state).ustring(path)
  return jw.frame()
}

/** The reply to a ping: a header with xid -2 and the server's last zxid. */
export function encodePing (w: JuteWriter | undefined, zxid: number): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(Xid.PING).long(zxid).int(0)
  return jw.frame()
}

// ---- client side ----

export function decodeReplyHeader (r: JuteReader): ReplyHeader {
  const xid = r.int()
  const zxid = r.long()
  const err = r.int()
  return { xid, zxid, err }
}

function readResults (r: JuteReader): OpResult[] {
  const out: OpResult[] = []
  for (;;) {
    const type = r.int()
    const done = r.bool()
    r.int() // err: repeated by the ErrorResponse record, which is what Java reads
    if (done) return out
    switch (type) {
      case OpCode.create:
        out.push({ type: OpCode.create, path: r.string('path') })
        break
      case OpCode.create2: {
        const path = r.string('path')
        out.push({ type: OpCode.create2, path, stat: readStat(r) })
        break
      }
      case OpCode.delete:
        out.push({ type: OpCode.delete })
        break
      case OpCode.setData:
        out.push({ type: OpCode.setData, stat: readStat(r) })
        break
      case OpCode.check:
        out.push({ type: OpCode.check })
        break
      case OpCode.getData: {
        const data = r.bufferCopy()
        out.push({ type: OpCode.getData, data, stat: readStat(r) })
        break
      }
      case OpCode.getChildren:
        out.push({ type: OpCode.getChildren, children: r.stringVector('children') })
        break
      case OpCode.error: {
        out.push({ type: OpCode.error, err: r.int() })
        break
      }
      default:
        throw new JuteDecodeError(`unknown result type ${type} in a multi reply`)
    }
  }
}

function readStatAfter<T extends object> (r: JuteReader, v: T): T & { stat: Stat } {
  return Object.assign(v, { stat: readStat(r) })
}

/**
 * Decode the response record of a successful reply to `type`. Returns
 * undefined for opcodes whose reply is the bare header.
 */
export function decodeReplyBody (type: number, r: JuteReader): WireReplyBody | undefined {
  switch (type) {
    case OpCode.create:
    case OpCode.sync:
      return { path: r.string('path') }
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return readStatAfter(r, { path: r.string('path') })
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return { stat: readStat(r) }
    case OpCode.getData:
    case OpCode.reconfig:
      return readStatAfter(r, { data: r.bufferCopy() })
    case OpCode.getACL:
      return readStatAfter(r, { acl: readAcls(r) })
    case OpCode.getChildren:
      return { children: r.stringVector('children') }
    case OpCode.getChildren2:
      return readStatAfter(r, { children: r.stringVector('children') })
    case OpCode.multi:
    case OpCode.multiRead:
      return { results: readResults(r) }
    case OpCode.getEphemerals:
      return { paths: r.stringVector('ephemerals') }
    case OpCode.getAllChildrenNumber:
      return { count: r.int() }
    case OpCode.whoAmI: {
      const n = r.vectorCount('clientInfo', 8)
      const clientInfo: ClientInfo[] = []
      for (let i = 0; i < n; i++) clientInfo.push({ authScheme: r.string('authScheme'), user: r.string('user') })
      return { clientInfo }
    }
    case OpCode.sasl:
      return { token: r.bufferCopy() }
    case OpCode.addWatch:
      r.int()
      return undefined
    default:
      return undefined
  }
}

/** Decode the WatcherEvent record after a notification's ReplyHeader. */
export function decodeWatchEvent (r: JuteReader): WatcherEvent {
  const type = r.int()
  const state = r.int()
  const path = r.string('path')
  return { type, state, path }
}
