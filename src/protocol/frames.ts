// Splits a TCP byte stream into ZooKeeper frames: a 4-byte big-endian length,
// then that many bytes. A frame that arrives whole inside one chunk is handed
// out as a view (no copy); one that spans chunks is assembled once, into a
// buffer of exactly its size.

import { FrameTooLargeError } from './errors'

/** ZooKeeper's default jute.maxbuffer (0xfffff). */
export const DEFAULT_MAX_BUFFER = 1048575

export interface FrameDecoderOptions {
  /** largest accepted frame length, in bytes; default jute.maxbuffer */
  maxBuffer?: number
}

export class FrameDecoder {
  readonly maxBuffer: number
  /** bytes of a length prefix split across chunks */
  private readonly header = Buffer.alloc(4)
  private headerFill = 0
  /** the frame being assembled across chunks, or null between frames */
  private partial: Buffer | null = null
  private partialFill = 0

  constructor (opts: FrameDecoderOptions = {}) {
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER
  }

  /** True when some bytes of an unfinished frame are buffered. */
  get pending (): boolean {
    return this.headerFill > 0 || this.partial !== null
  }

  /**
   * Feed one chunk; `onFrame` gets each complete frame body (without its
   * length prefix), in order. A view may alias `chunk`: copy what you keep.
   * Throws FrameTooLargeError on a bad length; the stream is then unusable
   * and the connection should be closed. The error's `length` lets a server
   * recognise a four-letter word ("ruok" read as a length).
   */
  push (chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.pushUntil(chunk, onFrame)
  }

  /**
   * push, but `onFrame` returning `false` stops right after that frame (a
   * server that must not take more requests now). Returns the number of
   * bytes of `chunk` consumed (`chunk.length` unless stopped); the caller
   * feeds the rest (`chunk.subarray(consumed)`) later.
   */
  pushUntil (chunk: Buffer, onFrame: (frame: Buffer) => unknown): number {
    let pos = 0
    const end = chunk.length
    while (pos < end) {
      if (this.partial !== null) {
        const want = this.partial.length - this.partialFill
        const n = Math.min(want, end - pos)
        chunk.copy(this.partial, this.partialFill, pos, pos + n)
        this.partialFill += n
        pos += n
        if (this.partialFill === this.partial.length) {
          const frame = this.partial
          this.partial = null
          this.partialFill = 0
          if (onFrame(frame) === false) return pos
        }
        continue
      }

      let len: number
      if (this.headerFill === 0 && end - pos >= 4) {
        len = chunk.readInt32BE(pos)
        pos += 4
      } else {
        const n = Math.min(4 - this.headerFill, end - pos)
        chunk.copy(this.header, this.headerFill, pos, pos + n)
        this.headerFill += n
        pos += n
        if (this.headerFill < 4) return pos
        this.headerFill = 0
        len = this.header.readInt32BE(0)
      }
      if (len < 0 || len > this.maxBuffer) throw new FrameTooLargeError(len, this.maxBuffer)

      if (end - pos >= len) {
        const frame = chunk.subarray(pos, pos + len)
        pos += len
        if (onFrame(frame) === false) return pos
      } else {
        this.partial = Buffer.allocUnsafe(len)
        this.partialFill = 0
      }
    }
    return pos
  }

  /** Forget any buffered partial frame. */
  reset (): void {
    this.headerFill = 0
    this.partial = null
    this.partialFill = 0
  }
}
