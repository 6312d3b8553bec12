// Framing shared by log segments and snapshots:
//   u32 LE payload length | u32 LE CRC32(payload) | payload
// The CRC tells a complete record from a torn or rotted one; the length lets a
// reader skip to the next frame without decoding the payload.

import { crc32 } from 'node:zlib'

export const FRAME_HEADER_BYTES = 8

/**
 * Upper bound on one frame's payload. Far above any single transaction the
 * server accepts (jute.maxbuffer is 1 MiB per request); a larger length read
 * from disk can only be garbage.
 */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024

export function checksum(buf: Uint8Array, start: number, end: number): number {
  return crc32(buf.subarray(start, end))
}

export type FrameRead =
  /** a complete, checksummed frame: payload is buf[start, end) */
  | { kind: 'frame'; start: number; end: number; next: number }
  /** no bytes left */
  | { kind: 'eof' }
  /** the frame runs past the end of the buffer: a write cut short */
  | { kind: 'short'; reason: string }
  /** the frame fits but its length or checksum is wrong; next is where it ends (-1: unknown) */
  | { kind: 'bad'; reason: string; next: number }

export function readFrame(buf: Buffer, offset: number): FrameRead {
  const left = buf.length - offset
  if (left === 0) return { kind: 'eof' }
  if (left < FRAME_HEADER_BYTES) return { kind: 'short', reason: `${left} header bytes of ${FRAME_HEADER_BYTES}` }
  const len = buf.readUInt32LE(offset)
  const crc = buf.readUInt32LE(offset + 4)
  if (len === 0 || len > MAX_FRAME_BYTES) {
    // A huge length is what a torn header usually looks like; report it as
    // running past the end so the tail logic can decide.
    if (len > left - FRAME_HEADER_BYTES) return { kind: 'short', reason: `length ${len} runs past end of file` }
    return { kind: 'bad', reason: `impossible length ${len}`, next: -1 }
  }
  const start = offset + FRAME_HEADER_BYTES
  const end = start + len
  if (end > buf.length) return { kind: 'short', reason: `${buf.length - start} payload bytes of ${len}` }
  if (checksum(buf, start, end) !== crc) return { kind: 'bad', reason: 'checksum mismatch', next: end }
  return { kind: 'frame', start, end, next: end }
}

/** True when every byte from offset on is zero (a preallocated or zero-filled tail). */
export function isZeroFrom(buf: Buffer, offset: number): boolean {
  for (let i = offset; i < buf.length; i++) if (buf[i] !== 0) return false
  return true
}
