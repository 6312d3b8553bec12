// The session handshake: ConnectRequest / ConnectResponse. Both records grew a
// trailing readOnly byte in 3.4's successors; a peer that omits it is an old
// client (or server), and ZooKeeper answers an old client without the byte.

import { JuteReader, JuteWriter, sharedWriter } from './jute'
import type { ConnectRequest, ConnectResponse } from './types'

const EMPTY = Buffer.alloc(0)

/** Server side: decode the first frame of a connection (length prefix already removed). */
export function decodeConnectRequest (frame: Buffer): ConnectRequest {
  const r = new JuteReader(frame)
  const protocolVersion = r.int()
  const lastZxidSeen = r.long()
  const timeOut = r.int()
  const sessionId = r.long()
  const passwd = r.bufferCopy() ?? EMPTY
  // Bytes after readOnly are ignored, as Java's archive does.
  const hasReadOnly = r.remaining > 0
  const readOnly = hasReadOnly ? r.bool() : false
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly, hasReadOnly }
}

/** Server side: a complete ConnectResponse frame. `withReadOnly` = the client sent the byte. */
export function encodeConnectResponse (w: JuteWriter | undefined, r: ConnectResponse, withReadOnly: boolean): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(r.protocolVersion).int(r.timeOut).long(r.sessionId).buffer(r.passwd)
  if (withReadOnly) jw.bool(r.readOnly === true)
  return jw.frame()
}

export interface ConnectRequestInit {
  protocolVersion?: number
  lastZxidSeen: number
  timeOut: number
  /** a bigint carries a foreign server's id (>= 2^53) exactly */
  sessionId: number | bigint
  passwd: Uint8Array
  readOnly?: boolean
}

/** Client side: a complete ConnectRequest frame; `withReadOnly` false imitates a 3.4-era client. */
export function encodeConnectRequest (w: JuteWriter | undefined, req: ConnectRequestInit, withReadOnly: boolean): Buffer {
  const jw = (w ?? sharedWriter).begin()
  jw.int(req.protocolVersion ?? 0).long(req.lastZxidSeen).int(req.timeOut).long(req.sessionId).buffer(req.passwd)
  if (withReadOnly) jw.bool(req.readOnly === true)
  return jw.frame()
}

/**
 * Client side: decode a ConnectResponse frame (length prefix removed).
 * `sessionIdBig` is exact; `sessionId` is rounded when above 2^53, as real
 * ZooKeeper's ids are (server id 1 in bits 56+).
 */
export function decodeConnectResponse (frame: Buffer): ConnectResponse & { hasReadOnly: boolean, sessionIdBig: bigint } {
  const r = new JuteReader(frame)
  const protocolVersion = r.int()
  const timeOut = r.int()
  const sessionIdBig = r.longBig()
  const sessionId = Number(sessionIdBig)
  const passwd = r.bufferCopy() ?? EMPTY
  const hasReadOnly = r.remaining > 0
  const readOnly = hasReadOnly ? r.bool() : false
  return { protocolVersion, timeOut, sessionId, sessionIdBig, passwd, readOnly, hasReadOnly }
}
