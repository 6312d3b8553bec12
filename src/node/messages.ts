// The binary messages of the WebSocket API (docs/protocol.md): one type byte,
// then big-endian fields. ZooKeeper frames ride inside untouched, so the
// sidecar never re-encodes them; the node only adds or strips the header.

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

/** A message a sidecar sent, decoded. Buffers are views into the message. */
export type ClientMessage =
  | { type: typeof Msg.CONNECT, body: Buffer }
  /** sessionId is -1 when the id cannot be one of ours (above 2^53 or negative) */
  | { type: typeof Msg.RESUME, sessionId: number, passwd: Buffer, deliveredSeq: number }
  | { type: typeof Msg.REQUEST, ackSeq: number, body: Buffer }
  | { type: typeof Msg.DETACH }

/** A message that breaks docs/protocol.md; the connection cannot go on. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

const PASSWORD_LENGTH = 16
const RESUME_LENGTH = 1 + 8 + PASSWORD_LENGTH + 8

/** A sequence number: non-negative and exact as a double. */
function readSeq (buf: Buffer, at: number, what: string): number {
  const v = buf.readBigInt64BE(at)
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`${what} out of range: ${v}`)
  return Number(v)
}

export function decodeClientMessage (msg: Buffer): ClientMessage {
  if (msg.length === 0) throw new ProtocolError('empty message')
  switch (msg[0]) {
    case Msg.CONNECT:
      return { type: Msg.CONNECT, body: msg.subarray(1) }
    case Msg.RESUME: {
      if (msg.length !== RESUME_LENGTH) throw new ProtocolError(`RESUME must be ${RESUME_LENGTH} bytes, got ${msg.length}`)
      const id = msg.readBigInt64BE(1)
      // Our ids are below 2^53 (docs/architecture.md); anything else was never
      // issued here and can only be answered EXPIRED.
      const sessionId = id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1
      return { type: Msg.RESUME, sessionId, passwd: msg.subarray(9, 9 + PASSWORD_LENGTH), deliveredSeq: readSeq(msg, 9 + PASSWORD_LENGTH, 'deliveredSeq') }
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

export function encodeResumed (timeout: number): Buffer {
  const out = Buffer.allocUnsafe(5)
  out[0] = Msg.RESUMED
  out.writeInt32BE(timeout, 1)
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

export function encodeConnect (connectRequestFrame: Buffer): Buffer {
  // the API carries the body: the frame without its 4-byte length
  const out = Buffer.allocUnsafe(1 + connectRequestFrame.length - 4)
  out[0] = Msg.CONNECT
  connectRequestFrame.copy(out, 1, 4)
  return out
}

export function encodeResume (sessionId: number | bigint, passwd: Uint8Array, deliveredSeq: number): Buffer {
  if (passwd.length !== PASSWORD_LENGTH) throw new RangeError(`password must be ${PASSWORD_LENGTH} bytes`)
  const out = Buffer.allocUnsafe(RESUME_LENGTH)
  out[0] = Msg.RESUME
  out.writeBigInt64BE(BigInt(sessionId), 1)
  out.set(passwd, 9)
  out.writeBigInt64BE(BigInt(deliveredSeq), 9 + PASSWORD_LENGTH)
  return out
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
