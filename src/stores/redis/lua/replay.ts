/** @noSelfInFile */
// Idempotent replays. A sidecar that lost its node re-sends every request it
// has no reply for, through another node; a write that did run must not run
// again. So the outcome of every state-changing request (writes, and reads
// that set a watch) is recorded under
// (session, xid), in the same FCALL as the write, and a re-sent xid gets the
// recorded outcome back.
//
//   P:r:<id>   zset, score xid, member = xid and the session's last event seq
//              when the request ran, as two 8-byte doubles, + MessagePack
//              outcome (the prefix keeps two equal outcomes apart); the last
//              KEEP (up to KEEP + TRIM_EVERY - 1) only. The seq lets a replay answer in its original place:
//              events queued after the request first ran follow its reply.
//              Negative xids are the client library's fixed ones (-8 for
//              every setWatches batch: the Java client splits a reconnect's
//              watches into 128 KB batches that all carry -8), so their
//              member also carries the SHA-1 of the request after the xid:
//              only the same request is a replay, a new batch runs.
//   P:x:<id>   the same for the session's closeSession, kept for a while after
//              the session itself is gone (a string with a TTL)

import { OpCode } from '../../../engine/codes'
import type { Request, SessionId } from '../../../engine/types'
import { num } from './num'

/** Outcomes kept per session at least: far more than any client has in flight. */
const KEEP = 64
/**
 * The window is trimmed back to KEEP once every TRIM_EVERY xids, not on
 * every write: one Redis command less per recorded request, for at most
 * TRIM_EVERY - 1 records more (a longer window only answers more replays).
 */
const TRIM_EVERY = 16
const XID = '>d'
/** ms the closeSession outcome outlives the session, at least */
const CLOSED_TTL_MIN_MS = 30000

/**
 * True for the requests whose effect must not happen twice. A read that sets
 * a watch counts: once its watch has fired, running the read again would arm
 * a second watch and the client would get an event it never asked for. Only
 * reads without a watch run again on replay.
 */
export function changesState(req: Request): boolean {
  switch (req.type) {
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return req.watch
    case OpCode.multiRead:
      for (const op of req.ops) {
        if ((op.type === OpCode.getData || op.type === OpCode.getChildren) && op.watch) return true
      }
      return false
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
    case OpCode.getEphemerals:
      return false
    default:
      return true
  }
}

function strip(member: string, xid: number): string | undefined {
  if (member.substring(0, 8) !== struct.pack(XID, xid)) return undefined
  return member.substring(8)
}

/** A recorded outcome (MessagePack) and the session's last event seq when it ran. */
export interface Recorded {
  outcome: string
  seq: number
}

/** What tells two requests with the same xid apart: nothing for a client's own (unique) xids, the request's SHA-1 for the fixed negative ones. */
export function requestTag(xid: number, request: string): string {
  return xid < 0 ? redis.sha1hex(request) : ''
}

/** The recorded outcome of the session's request xid (with that tag), if any. */
export function recorded(ns: string, session: SessionId, xid: number, tag: string): Recorded | undefined {
  const x = num(xid)
  const r = tag === ''
    ? redis.call('ZRANGEBYSCORE', ns + ':r:' + num(session), x, x, 'LIMIT', '0', '1') as string[]
    : redis.call('ZRANGEBYSCORE', ns + ':r:' + num(session), x, x) as string[]
  for (const member of r) {
    const rest = strip(member, xid)
    if (rest === undefined || rest.substring(0, tag.length) !== tag) continue
    const [seq] = struct.unpack(XID, rest.substring(tag.length, tag.length + 8))
    return { outcome: rest.substring(tag.length + 8), seq }
  }
  return undefined
}

export function record(ns: string, session: SessionId, xid: number, tag: string, outcome: string, seq: number): void {
  const key = ns + ':r:' + num(session)
  redis.call('ZADD', key, num(xid), struct.pack(XID, xid) + tag + struct.pack(XID, seq) + outcome)
  // lowest xids go first: clients number their requests upwards; the
  // library's fixed negative xids are rare and always trim
  if (xid < 0 || xid % TRIM_EVERY === 0) redis.call('ZREMRANGEBYRANK', key, '0', num(-(KEEP + 1)))
}

export function clearRecords(ns: string, session: SessionId): void {
  redis.call('DEL', ns + ':r:' + num(session))
}

/** Keeps a closeSession's outcome after the session is deleted (with it went P:r:<id>). */
export function recordClose(ns: string, session: SessionId, xid: number, outcome: string, timeout: number): void {
  const ttl = timeout * 2 > CLOSED_TTL_MIN_MS ? timeout * 2 : CLOSED_TTL_MIN_MS
  redis.call('SET', ns + ':x:' + num(session), struct.pack(XID, xid) + outcome, 'PX', num(ttl))
}

export function recordedClose(ns: string, session: SessionId, xid: number): string | undefined {
  const v = redis.call('GET', ns + ':x:' + num(session)) as string | false
  if (v === false) return undefined
  return strip(v, xid)
}
