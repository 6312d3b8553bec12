// Jute, ZooKeeper's binary record format: big-endian ints and longs, one-byte
// booleans, length-prefixed buffers, UTF-8 strings and vectors, where a length
// of -1 means null. JuteReader decodes untrusted bytes with a bounds check on
// every read; JuteWriter builds frames in one reusable scratch buffer.

import { JuteDecodeError } from './errors'

const TWO_32 = 4294967296

export class JuteReader {
  buf: Buffer
  pos: number
  end: number

  constructor (buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf
    this.pos = start
    this.end = end
  }

  /** Point the reader at another slice, so one reader can serve a whole connection. */
  reset (buf: Buffer, start = 0, end = buf.length): this {
    this.buf = buf
    this.pos = start
    this.end = end
    return this
  }

  get remaining (): number {
    return this.end - this.pos
  }

  private need (n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new JuteDecodeError(`truncated record: ${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`)
    }
  }

  int (): number {
    this.need(4, 'int')
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }

  /**
   * A jute long as a JS number. Exact below 2^53, which covers every id and
   * zxid we issue; a larger value from a foreign peer is rounded to the
   * nearest double (precision, not sign or magnitude, is lost).
   */
  long (): number {
    this.need(8, 'long')
    const hi = this.buf.readInt32BE(this.pos)
    const lo = this.buf.readUInt32BE(this.pos + 4)
    this.pos += 8
    return hi * TWO_32 + lo
  }

  /** A jute long, exactly: for ids minted by a foreign server (real ZooKeeper's session ids are >= 2^56). */
  longBig (): bigint {
    this.need(8, 'long')
    const v = this.buf.readBigInt64BE(this.pos)
    this.pos += 8
    return v
  }

  /** Java's DataInput.readBoolean: any non-zero byte is true. */
  bool (): boolean {
    this.need(1, 'boolean')
    return this.buf[this.pos++] !== 0
  }

  private length (what: string): number {
    const len = this.int()
    if (len < -1) throw new JuteDecodeError(`${what} has negative length ${len}`)
    if (len > this.end - this.pos) {
      throw new JuteDecodeError(`truncated record: ${what} of ${len} bytes at offset ${this.pos}, ${this.end - this.pos} left`)
    }
    return len
  }

  /** A jute buffer as a view into the frame (no copy): only for values used before the frame is dropped. */
  bufferView (): Buffer | null {
    const len = this.length('buffer')
    if (len === -1) return null
    const v = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return v
  }

  /**
   * A jute buffer copied into its own exactly-sized memory. Used for data the
   * store keeps: a view, or a slice of Node's shared pool, would pin the whole
   * socket chunk (or pool slab) for as long as the znode lives.
   */
  bufferCopy (): Buffer | null {
    const len = this.length('buffer')
    if (len === -1) return null
    const out = Buffer.allocUnsafeSlow(len)
    this.buf.copy(out, 0, this.pos, this.pos + len)
    this.pos += len
    return out
  }

  /** A jute ustring; invalid UTF-8 decodes to U+FFFD, as Java's new String(bytes, UTF_8) does. */
  ustring (): string | null {
    const len = this.length('ustring')
    if (len === -1) return null
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  /** A ustring that must be present (a path, a scheme): null is malformed input. */
  string (what: string): string {
    const s = this.ustring()
    if (s === null) throw new JuteDecodeError(`${what} is null`)
    return s
  }

  /**
   * A vector's element count. `minItemSize` bounds the count by the bytes
   * left, so a forged count cannot make us allocate a huge array.
   */
  vectorCount (what: string, minItemSize: number): number {
    const n = this.int()
    if (n < -1) throw new JuteDecodeError(`${what} has negative count ${n}`)
    if (n > 0 && n * minItemSize > this.end - this.pos) {
      throw new JuteDecodeError(`truncated record: ${what} claims ${n} items, only ${this.end - this.pos} bytes left`)
    }
    return n
  }

  /** vector<ustring>; a null vector reads as [] (nothing downstream tells them apart). Null items are malformed. */
  stringVector (what: string): string[] {
    const n = this.vectorCount(what, 4)
    const out: string[] = new Array(n < 0 ? 0 : n)
    for (let i = 0; i < n; i++) out[i] = this.string(`${what}[${i}]`)
    return out
  }

  /** The unread rest of the slice, as a view. */
  rest (): Buffer {
    const v = this.buf.subarray(this.pos, this.end)
    this.pos = this.end
    return v
  }
}

const INITIAL_CAPACITY = 8192
/** A writer that once built a huge reply gives the memory back rather than keeping it forever. */
const RETAIN_LIMIT = 4 * 1024 * 1024

/**
 * Builds length-prefixed frames in a scratch buffer that is reused across
 * calls; `frame()` hands out one exactly-sized copy, which is the only
 * allocation per message. A frame handed to socket.write must not alias the
 * scratch, since the socket may hold it after we start the next one.
 */
export class JuteWriter {
  private buf: Buffer
  private pos = 4

  constructor (initialCapacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(16, initialCapacity))
  }

  /** Start a new frame: 4 bytes are reserved for its length prefix. */
  begin (): this {
    this.pos = 4
    return this
  }

  /** Bytes written since begin(), not counting the length prefix. */
  get length (): number {
    return this.pos - 4
  }

  private ensure (n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = Buffer.allocUnsafeSlow(cap)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  int (v: number): this {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
    return this
  }

  /** A jute long from a JS integer (exact for |v| < 2^53; negatives in two's complement) or a bigint (exact). */
  long (v: number | bigint): this {
    this.ensure(8)
    if (typeof v === 'bigint') {
      this.buf.writeBigInt64BE(v, this.pos)
      this.pos += 8
      return this
    }
    const hi = Math.floor(v / TWO_32)
    this.buf.writeInt32BE(hi, this.pos)
    this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4)
    this.pos += 8
    return this
  }

  bool (v: boolean): this {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
    return this
  }

  buffer (b: Uint8Array | null | undefined): this {
    if (b == null) return this.int(-1)
    this.ensure(4 + b.length)
    this.buf.writeInt32BE(b.length, this.pos)
    this.buf.set(b, this.pos + 4)
    this.pos += 4 + b.length
    return this
  }

  ustring (s: string | null | undefined): this {
    if (s == null) return this.int(-1)
    // UTF-8 needs at most 3 bytes per UTF-16 unit; reserving that avoids a byteLength pass.
    this.ensure(4 + s.length * 3)
    const n = this.buf.write(s, this.pos + 4, 'utf8')
    this.buf.writeInt32BE(n, this.pos)
    this.pos += 4 + n
    return this
  }

  stringVector (v: readonly string[] | null | undefined): this {
    if (v == null) return this.int(-1)
    this.int(v.length)
    for (let i = 0; i < v.length; i++) this.ustring(v[i])
    return this
  }

  /** Raw bytes with no length prefix. */
  raw (b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    return this
  }

  /** Finish the frame: write its length prefix and return a copy that owns its memory. */
  frame (): Buffer {
    this.buf.writeInt32BE(this.pos - 4, 0)
    const out = Buffer.allocUnsafe(this.pos)
    this.buf.copy(out, 0, 0, this.pos)
    if (this.buf.length > RETAIN_LIMIT) this.buf = Buffer.allocUnsafeSlow(INITIAL_CAPACITY)
    this.pos = 4
    return out
  }

  /** The record bytes written since begin(), without a length prefix, as a copy. */
  body (): Buffer {
    const out = Buffer.allocUnsafe(this.pos - 4)
    this.buf.copy(out, 0, 4, this.pos)
    this.pos = 4
    return out
  }
}

/** The writer used when a caller passes none. Safe to share: every encode runs to completion synchronously. */
export const sharedWriter = new JuteWriter()
