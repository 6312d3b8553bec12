// The binary messages of the WebSocket API (docs/protocol.md): one type byte,
// then big-endian fields. ZooKeeper frames ride inside untouched, so the
// sidecar never re-encodes them; the node only adds or strips the header.

import { isIP } from 'node:net'

/** Message type bytes, as docs/protocol.md numbers them. */
export const Msg = {
  CONNECT: 0x01,
  RESUME: 0x02,
  REQUEST: 0x03,
  DETACH: 0x04,
  CONNECTED: 0x81,
  RESUMED: 0x82,
  REPLY: 0x83,
  EVENT: 0x84,
  CLOSE: 0x85,
  EXPIRED: 0x86
} as const

/**
 * The optional trailer of CONNECT and RESUME (docs/protocol.md): which
 * client connection this is. `link` names the sidecar's client connection
 * (random, secret: it scopes the identities kept in Redis); address and port
 * are the ZooKeeper client's, a claim the node believes only from a trusted
 * peer (trust.ts).
 */
export interface ClientOrigin {
  link: Buffer
  address: string
  port: number
  /**
   * Which try of this link the CONNECT or RESUME is (trailer "RKI2"):
   * numbered by the sidecar, so that a try it gave up on, whose attach runs
   * in Redis late, cannot take the session from a later one. Absent from
   * older sidecars ("RKI1").
   */
  attempt?: number
}

/** A message a sidecar sent, decoded. Buffers are views into the message. */
export type ClientMessage =
  | { type: typeof Msg.CONNECT, body: Buffer, origin?: ClientOrigin }
  /** sessionId is -1 when the id cannot be one of ours (above 2^53 or negative) */
  | { type: typeof Msg.RESUME, sessionId: number, passwd: Buffer, deliveredSeq: number, origin?: ClientOrigin }
  | { type: typeof Msg.REQUEST, ackSeq: number, body: Buffer }
  | { type: typeof Msg.DETACH }

/** A message that breaks docs/protocol.md; the connection cannot go on. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

const PASSWORD_LENGTH = 16
const RESUME_LENGTH = 1 + 8 + PASSWORD_LENGTH + 8
/** The trailer ends with these 4 bytes ("RKI1"), so it is found from the end of the message. */
export const ORIGIN_MAGIC = Buffer.from('RKI1', 'latin1')
/** The trailer with the attempt number (uint32 after the link) ends with "RKI2". */
export const ORIGIN_MAGIC_ATTEMPT = Buffer.from('RKI2', 'latin1')
export const LINK_LENGTH = 16
/** link, port, address length, magic */
const ORIGIN_FIXED = LINK_LENGTH + 2 + 1 + ORIGIN_MAGIC.length
const ATTEMPT_LENGTH = 4
/** the length is one byte (an IP text, even IPv6 with a zone, is far shorter) */
const MAX_ADDRESS_LENGTH = 255

/**
 * The trailer at the end of `msg` after byte `from`, if it ends with the
 * magic: { origin, start } where start is where the trailer begins.
 */
function decodeOrigin (msg: Buffer, from: number): { origin: ClientOrigin, start: number } | undefined {
  const end = msg.length
  if (end - from < ORIGIN_FIXED) return undefined
  const magic = msg.subarray(end - ORIGIN_MAGIC.length)
  const withAttempt = magic.equals(ORIGIN_MAGIC_ATTEMPT)
  if (!withAttempt && !magic.equals(ORIGIN_MAGIC)) return undefined
  const fixed = ORIGIN_FIXED + (withAttempt ? ATTEMPT_LENGTH : 0)
  const n = msg[end - ORIGIN_MAGIC.length - 1]
  const start = end - fixed - n
  if (n === 0 || start < from) throw new ProtocolError(`client origin: bad address length ${n}`)
  const portAt = start + LINK_LENGTH + (withAttempt ? ATTEMPT_LENGTH : 0)
  const addressAt = portAt + 2
  const address = msg.toString('utf8', addressAt, addressAt + n)
  if (isIP(address) === 0) throw new ProtocolError(`client origin: '${address}' is not an IP address`)
  const origin: ClientOrigin = { link: msg.subarray(start, start + LINK_LENGTH), port: msg.readUInt16BE(portAt), address }
  if (withAttempt) origin.attempt = msg.readUInt32BE(start + LINK_LENGTH)
  return { origin, start }
}

/** The trailer for `origin` (a sidecar's, or a test's): "RKI2" with an attempt, else "RKI1". */
export function encodeOrigin (origin: ClientOrigin): Buffer {
  const address = Buffer.from(origin.address, 'utf8')
  if (origin.link.length !== LINK_LENGTH) throw new RangeError(`link must be ${LINK_LENGTH} bytes`)
  if (address.length === 0 || address.length > MAX_ADDRESS_LENGTH) throw new RangeError(`address must be 1..${MAX_ADDRESS_LENGTH} bytes`)
  const a = origin.attempt === undefined ? 0 : ATTEMPT_LENGTH
  const out = Buffer.allocUnsafe(ORIGIN_FIXED + a + address.length)
  origin.link.copy(out, 0)
  if (origin.attempt !== undefined) out.writeUInt32BE(origin.attempt, LINK_LENGTH)
  out.writeUInt16BE(origin.port, LINK_LENGTH + a)
  address.copy(out, LINK_LENGTH + a + 2)
  out[LINK_LENGTH + a + 2 + address.length] = address.length
  ;(origin.attempt === undefined ? ORIGIN_MAGIC : ORIGIN_MAGIC_ATTEMPT).copy(out, out.length - ORIGIN_MAGIC.length)
  return out
}

/** A sequence number: non-negative and exact as a double. */
function readSeq (buf: Buffer, at: number, what: string): number {
  const v = buf.readBigInt64BE(at)
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`${what} out of range: ${v}`)
  return Number(v)
}

export function decodeClientMessage (msg: Buffer): ClientMessage {
  if (msg.length === 0) throw new ProtocolError('empty message')
  switch (msg[0]) {
    case Msg.CONNECT: {
      // The sidecar appends its trailer after the client's bytes, so the one
      // at the very end is the sidecar's even if a client forged another.
      const o = decodeOrigin(msg, 1)
      return o === undefined ? { type: Msg.CONNECT, body: msg.subarray(1) } : { type: Msg.CONNECT, body: msg.subarray(1, o.start), origin: o.origin }
    }
    case Msg.RESUME: {
      const o = msg.length === RESUME_LENGTH ? undefined : decodeOrigin(msg, RESUME_LENGTH)
      if (msg.length !== RESUME_LENGTH && o?.start !== RESUME_LENGTH) throw new ProtocolError(`RESUME must be ${RESUME_LENGTH} bytes plus an optional client origin, got ${msg.length}`)
      const id = msg.readBigInt64BE(1)
      // Our ids are below 2^53 (docs/architecture.md); anything else was never
      // issued here and can only be answered EXPIRED.
      const sessionId = id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1
      const resume: ClientMessage = { type: Msg.RESUME, sessionId, passwd: msg.subarray(9, 9 + PASSWORD_LENGTH), deliveredSeq: readSeq(msg, 9 + PASSWORD_LENGTH, 'deliveredSeq') }
      if (o !== undefined) resume.origin = o.origin
      return resume
    }
    case Msg.REQUEST:
      if (msg.length < 1 + 8) throw new ProtocolError(`REQUEST needs at least 9 bytes, got ${msg.length}`)
      return { type: Msg.REQUEST, ackSeq: readSeq(msg, 1, 'ackSeq'), body: msg.subarray(9) }
    case Msg.DETACH:
      if (msg.length !== 1) throw new ProtocolError('DETACH carries no payload')
      return { type: Msg.DETACH }
    default:
      throw new ProtocolError(`unknown message type 0x${msg[0].toString(16).padStart(2, '0')}`)
  }
}

/** type byte + a complete ZooKeeper frame (CONNECTED, REPLY). */
function withFrame (type: number, frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + frame.length)
  out[0] = type
  frame.copy(out, 1)
  return out
}

export function encodeConnected (connectResponseFrame: Buffer): Buffer {
  return withFrame(Msg.CONNECTED, connectResponseFrame)
}

/** RESUMED's flags byte: the node restored this connection's identities (no auth packets need re-sending). */
export const RESUMED_IDENTITIES = 0x01

export function encodeResumed (timeout: number, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(6)
  out[0] = Msg.RESUMED
  out.writeInt32BE(timeout, 1)
  out[5] = flags
  return out
}

export function encodeReplyMessage (replyFrame: Buffer): Buffer {
  return withFrame(Msg.REPLY, replyFrame)
}

export function encodeEventMessage (seq: number, eventFrame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + eventFrame.length)
  out[0] = Msg.EVENT
  out.writeBigInt64BE(BigInt(seq), 1)
  eventFrame.copy(out, 9)
  return out
}

export function encodeClose (reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8')
  const out = Buffer.allocUnsafe(1 + text.length)
  out[0] = Msg.CLOSE
  text.copy(out, 1)
  return out
}

export const EXPIRED_MESSAGE: Buffer = Buffer.of(Msg.EXPIRED)

// ---- the client's side, for anyone writing a sidecar or a test ----

export function encodeConnect (connectRequestFrame: Buffer, origin?: ClientOrigin): Buffer {
  // the API carries the body: the frame without its 4-byte length
  const out = Buffer.allocUnsafe(1 + connectRequestFrame.length - 4)
  out[0] = Msg.CONNECT
  connectRequestFrame.copy(out, 1, 4)
  return origin === undefined ? out : Buffer.concat([out, encodeOrigin(origin)])
}

export function encodeResume (sessionId: number | bigint, passwd: Uint8Array, deliveredSeq: number, origin?: ClientOrigin): Buffer {
  if (passwd.length !== PASSWORD_LENGTH) throw new RangeError(`password must be ${PASSWORD_LENGTH} bytes`)
  const out = Buffer.allocUnsafe(RESUME_LENGTH)
  out[0] = Msg.RESUME
  out.writeBigInt64BE(BigInt(sessionId), 1)
  out.set(passwd, 9)
  out.writeBigInt64BE(BigInt(deliveredSeq), 9 + PASSWORD_LENGTH)
  return origin === undefined ? out : Buffer.concat([out, encodeOrigin(origin)])
}

/** REQUEST from a complete request frame (length prefix included, as the ZooKeeper client sent it). */
export function encodeRequestMessage (ackSeq: number, requestFrame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + requestFrame.length - 4)
  out[0] = Msg.REQUEST
  out.writeBigInt64BE(BigInt(ackSeq), 1)
  requestFrame.copy(out, 9, 4)
  return out
}

export const DETACH_MESSAGE: Buffer = Buffer.of(Msg.DETACH)
