// The WebSocket API's messages (docs/protocol.md), sidecar side. ZooKeeper
// frames are carried as they are: encoding a message is one allocation and
// one copy of the client's bytes; decoding is reading offsets into the
// node's message, never copying it.

/** Message types: sidecar → node. */
export const CONNECT = 0x01
export const RESUME = 0x02
export const REQUEST = 0x03
export const DETACH = 0x04

/** Message types: node → sidecar. */
export const CONNECTED = 0x81
export const RESUMED = 0x82
export const REPLY = 0x83
export const EVENT = 0x84
export const CLOSE = 0x85
export const EXPIRED = 0x86

const TWO_32 = 0x1_0000_0000

/** REQUEST's header: type byte + int64 ackSeq. */
export const REQUEST_HEADER = 9

/** A node's message we cannot accept: a bug on one side, never retried. */
export class UpstreamProtocolError extends Error {
  override name = 'UpstreamProtocolError'
}

/** Writes a non-negative safe integer as a big-endian int64. */
export function writeInt64 (buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), offset)
  buf.writeUInt32BE(value % TWO_32, offset + 4)
}

/** Reads a big-endian int64 as a number (exact below 2^53, which every seq is). */
export function readInt64 (buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4)
}

/** RESUMED's flags byte (absent from older nodes): the node restored the connection's identities. */
export const RESUMED_IDENTITIES = 0x01
/** The client origin trailer with the attempt number ends with "RKI2". */
const ORIGIN_MAGIC = Buffer.from('RKI2', 'latin1')
export const LINK_LENGTH = 16
const ATTEMPT_LENGTH = 4

/**
 * The client origin trailer of CONNECT and RESUME: link id (16 bytes),
 * uint32 attempt, uint16 client port, client address (UTF-8), uint8 address
 * length, "RKI2". Built once per client connection and appended to both;
 * the attempt is stamped into each message as it is sent (setAttempt).
 */
export function originTrailer (link: Buffer, address: string, port: number): Buffer {
  const text = Buffer.from(address, 'utf8')
  const out = Buffer.allocUnsafe(LINK_LENGTH + ATTEMPT_LENGTH + 2 + text.length + 1 + ORIGIN_MAGIC.length)
  link.copy(out, 0, 0, LINK_LENGTH)
  out.writeUInt32BE(0, LINK_LENGTH)
  out.writeUInt16BE(port, LINK_LENGTH + ATTEMPT_LENGTH)
  text.copy(out, LINK_LENGTH + ATTEMPT_LENGTH + 2)
  out[LINK_LENGTH + ATTEMPT_LENGTH + 2 + text.length] = text.length
  ORIGIN_MAGIC.copy(out, out.length - ORIGIN_MAGIC.length)
  return out
}

/**
 * Stamps which try of the link a CONNECT or RESUME is into its origin
 * trailer (the last `originLength` bytes of `msg`). The node's attach
 * refuses a try older than one that already attached, so a try given up on
 * while Redis was away cannot take the session back when it runs late.
 */
export function setAttempt (msg: Buffer, originLength: number, attempt: number): void {
  msg.writeUInt32BE(attempt >>> 0, msg.length - originLength + LINK_LENGTH)
}

/** CONNECT: the client's ConnectRequest body as is, then the origin trailer (after it, so a client cannot forge the one the node reads). */
export function connectMessage (connectRequestBody: Buffer, origin: Buffer = EMPTY): Buffer {
  const msg = Buffer.allocUnsafe(1 + connectRequestBody.length + origin.length)
  msg[0] = CONNECT
  connectRequestBody.copy(msg, 1)
  origin.copy(msg, 1 + connectRequestBody.length)
  return msg
}

const EMPTY = Buffer.alloc(0)
const RESUME_LENGTH = 1 + 8 + 16 + 8

/** RESUME: int64 sessionId, 16-byte password, int64 deliveredSeq, then the origin trailer. */
export function resumeMessage (sessionId: bigint, passwd: Buffer, deliveredSeq: number, origin: Buffer = EMPTY): Buffer {
  const msg = Buffer.alloc(RESUME_LENGTH + origin.length)
  msg[0] = RESUME
  msg.writeBigInt64BE(sessionId, 1)
  // A shorter password is zero-padded, a longer one cut: the node checks it.
  passwd.copy(msg, 9, 0, Math.min(16, passwd.length))
  writeInt64(msg, deliveredSeq, 25)
  origin.copy(msg, RESUME_LENGTH)
  return msg
}

/** REQUEST with the client's frame body (RequestHeader + record) copied in once. */
export function requestMessage (ackSeq: number, body: Buffer): Buffer {
  const msg = Buffer.allocUnsafe(REQUEST_HEADER + body.length)
  msg[0] = REQUEST
  writeInt64(msg, ackSeq, 1)
  body.copy(msg, REQUEST_HEADER)
  return msg
}

/** Re-stamps a kept REQUEST before it is re-sent, so the node can drop acknowledged events. */
export function setAckSeq (msg: Buffer, ackSeq: number): void {
  writeInt64(msg, ackSeq, 1)
}

export const DETACH_MESSAGE: Buffer = Buffer.from([DETACH])

/**
 * Checks that `frame` (a view of a node's message) is one complete ZooKeeper
 * frame: a 4-byte length that matches the bytes after it, at least `min` of
 * them. The client would misparse its stream otherwise, so this is checked
 * before anything is written to it.
 */
export function checkFrame (frame: Buffer, min: number, what: string): void {
  if (frame.length < 4 + min || frame.readInt32BE(0) !== frame.length - 4) {
    throw new UpstreamProtocolError(`${what}: not a complete ZooKeeper frame (${frame.length} bytes)`)
  }
}
