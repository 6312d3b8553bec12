// Why this file and not msgpackr (the maintained library): tested against
// Redis 7.0's cmsgpack with msgpackr 2.1.4 (useRecords off, int64AsType
// 'number'), it cannot carry our byte data either way:
// - it encodes a Buffer/Uint8Array as bin (0xc4...), which cmsgpack refuses
//   ("Bad data format in input"), and it has no option to write bytes as str;
// - it decodes every str as UTF-8 text, so data that cmsgpack sends back as
//   str (znode data is arbitrary bytes) is corrupted: 00 ff c0 came back as
//   00 fd fd (U+FFFD replacements), with no option to get the bytes.
// Numbers were fine (2^52 + 1 and -2^63 round-trip). So we keep this small
// codec; test/stores/redis/msgpack.test.ts holds it to cmsgpack.
//
// The MessagePack subset that crosses the FCALL boundary, matched to the
// cmsgpack that Redis 7.0 embeds:
// - cmsgpack decodes no bin types (0xc4-0xc6) but keeps str bytes as they are,
//   so byte data is sent as str: binary-safe, and no copy into a JS string.
// - cmsgpack encodes every Lua string as str, so on the way back the decoder
//   cannot tell bytes from text by type; values under the key "data" (the
//   only byte field in an engine reply) are decoded as Buffers, the rest as
//   UTF-8 strings.
// - Lua numbers are doubles: cmsgpack writes integral ones as (u)int up to 64
//   bits, others as float32/64. We write integers outside 32 bits as float64,
//   which every double survives exactly.
// - An empty Lua table is packed as an empty array.

export class MsgpackError extends Error {
  override name = 'MsgpackError'
}

const textDecoder = new TextDecoder('utf-8')
/** Strings up to this many units (bytes when decoding) try a plain ASCII loop first: fixstr, header byte included. */
const SHORT = 31

// ---- encoding ----

class Writer {
  buf: Buffer
  pos = 0
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  header(len: number, fix: number, fixMax: number, b8: number, b16: number, b32: number): void {
    this.ensure(5)
    const buf = this.buf
    if (len <= fixMax) {
      buf[this.pos++] = fix | len
    } else if (len <= 0xff && b8 !== 0) {
      buf[this.pos++] = b8
      buf[this.pos++] = len
    } else if (len <= 0xffff) {
      buf[this.pos++] = b16
      buf.writeUInt16BE(len, this.pos)
      this.pos += 2
    } else {
      buf[this.pos++] = b32
      buf.writeUInt32BE(len, this.pos)
      this.pos += 4
    }
  }

  number(n: number): void {
    this.ensure(9)
    const buf = this.buf
    if (Number.isInteger(n) && n >= -0x80000000 && n <= 0xffffffff) {
      if (n >= 0 && n < 0x80) buf[this.pos++] = n
      else if (n < 0 && n >= -32) buf[this.pos++] = n & 0xff
      else if (n >= 0) {
        buf[this.pos++] = 0xce
        buf.writeUInt32BE(n, this.pos)
        this.pos += 4
      } else {
        buf[this.pos++] = 0xd2
        buf.writeInt32BE(n, this.pos)
        this.pos += 4
      }
      return
    }
    buf[this.pos++] = 0xcb
    buf.writeDoubleBE(n, this.pos)
    this.pos += 8
  }

  string(s: string): void {
    const n = s.length
    if (n <= SHORT) {
      // map keys and paths: short and ASCII, cheaper byte by byte than through Buffer.write
      this.ensure(n + 1)
      const buf = this.buf
      const at = this.pos + 1
      let i = 0
      while (i < n) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[at + i++] = c
      }
      if (i === n) {
        buf[this.pos] = 0xa0 | n
        this.pos = at + n
        return
      }
    }
    // worst case 3 bytes per UTF-16 unit; short strings are the common case
    const max = s.length * 3
    this.header(max, 0xa0, 31, 0xd9, 0xda, 0xdb)
    const start = this.pos
    // rewrite the header once the real byte length is known
    const headerLen = max <= 31 ? 1 : max <= 0xff ? 2 : max <= 0xffff ? 3 : 5
    this.ensure(max)
    const written = this.buf.write(s, this.pos, 'utf8')
    const len = written
    const hStart = start - headerLen
    if (headerLen === 1) this.buf[hStart] = 0xa0 | len
    else if (headerLen === 2) this.buf[hStart + 1] = len
    else if (headerLen === 3) this.buf.writeUInt16BE(len, hStart + 1)
    else this.buf.writeUInt32BE(len, hStart + 1)
    this.pos += written
  }

  bytes(b: Uint8Array): void {
    this.header(b.length, 0xa0, 31, 0xd9, 0xda, 0xdb)
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        return this.number(v)
      case 'string':
        return this.string(v)
      case 'boolean':
        this.ensure(1)
        this.buf[this.pos++] = v ? 0xc3 : 0xc2
        return
      case 'undefined':
        this.ensure(1)
        this.buf[this.pos++] = 0xc0
        return
      case 'object':
        if (v === null) {
          this.ensure(1)
          this.buf[this.pos++] = 0xc0
        } else if (v instanceof Uint8Array) {
          this.bytes(v)
        } else if (Array.isArray(v)) {
          this.header(v.length, 0x90, 15, 0, 0xdc, 0xdd)
          for (const x of v) this.value(x)
        } else {
          this.map(v as Record<string, unknown>)
        }
        return
      default:
        throw new MsgpackError(`cannot encode a ${typeof v}`)
    }
  }

  map(o: Record<string, unknown>): void {
    // undefined members are left out: in Lua they are absent keys anyway
    let n = 0
    for (const k in o) if (o[k] !== undefined) n++
    this.header(n, 0x80, 15, 0, 0xde, 0xdf)
    for (const k in o) {
      const v = o[k]
      if (v === undefined) continue
      this.string(k)
      this.value(v)
    }
  }
}

/** Encodes plain data (numbers, strings, booleans, null, arrays, objects, Uint8Array as str). */
export function encode(v: unknown): Buffer {
  const w = new Writer(256)
  w.value(v)
  return w.buf.subarray(0, w.pos)
}

// ---- decoding ----

class Reader {
  pos = 0
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new MsgpackError('truncated MessagePack reply')
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }

  raw(len: number, asBytes: boolean): string | Buffer {
    this.need(len)
    const start = this.pos
    this.pos += len
    // a copy, so the caller may keep it after the reply buffer is reused
    if (asBytes) return Buffer.from(this.buf.subarray(start, start + len))
    if (len <= SHORT) {
      // the reply's map keys ("err", "zxid", "stat", "mzxid", ...): ASCII, decoded without a native call
      const buf = this.buf
      let out = ''
      for (let i = start; i < start + len; i++) {
        const b = buf[i]
        if (b >= 0x80) return textDecoder.decode(buf.subarray(start, start + len))
        out += String.fromCharCode(b)
      }
      return out
    }
    return textDecoder.decode(this.buf.subarray(start, start + len))
  }

  array(len: number): unknown[] {
    const out = new Array<unknown>(len)
    for (let i = 0; i < len; i++) out[i] = this.value(false)
    return out
  }

  map(len: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (let i = 0; i < len; i++) {
      const k = this.value(false)
      if (typeof k !== 'string' && typeof k !== 'number') throw new MsgpackError('map key is not a string')
      out[k] = this.value(k === 'data')
    }
    return out
  }

  value(bytes: boolean): unknown {
    const t = this.u8()
    const buf = this.buf
    if (t < 0x80) return t
    if (t >= 0xe0) return t - 0x100
    if (t >= 0xa0 && t <= 0xbf) return this.raw(t & 0x1f, bytes)
    if (t >= 0x90 && t <= 0x9f) return this.array(t & 0x0f)
    if (t >= 0x80 && t <= 0x8f) return this.map(t & 0x0f)
    let v: number
    switch (t) {
      case 0xc0: return null
      case 0xc2: return false
      case 0xc3: return true
      case 0xca: this.need(4); v = buf.readFloatBE(this.pos); this.pos += 4; return v
      case 0xcb: this.need(8); v = buf.readDoubleBE(this.pos); this.pos += 8; return v
      case 0xcc: return this.u8()
      case 0xcd: this.need(2); v = buf.readUInt16BE(this.pos); this.pos += 2; return v
      case 0xce: this.need(4); v = buf.readUInt32BE(this.pos); this.pos += 4; return v
      case 0xcf:
        // the value came from a Lua double, so hi * 2^32 + lo is exact after rounding
        this.need(8); v = buf.readUInt32BE(this.pos) * 4294967296 + buf.readUInt32BE(this.pos + 4); this.pos += 8; return v
      case 0xd0: this.need(1); v = buf.readInt8(this.pos); this.pos += 1; return v
      case 0xd1: this.need(2); v = buf.readInt16BE(this.pos); this.pos += 2; return v
      case 0xd2: this.need(4); v = buf.readInt32BE(this.pos); this.pos += 4; return v
      case 0xd3:
        this.need(8); v = buf.readInt32BE(this.pos) * 4294967296 + buf.readUInt32BE(this.pos + 4); this.pos += 8; return v
      case 0xd9: return this.raw(this.u8(), bytes)
      case 0xda: this.need(2); v = buf.readUInt16BE(this.pos); this.pos += 2; return this.raw(v, bytes)
      case 0xdb: this.need(4); v = buf.readUInt32BE(this.pos); this.pos += 4; return this.raw(v, bytes)
      case 0xdc: this.need(2); v = buf.readUInt16BE(this.pos); this.pos += 2; return this.array(v)
      case 0xdd: this.need(4); v = buf.readUInt32BE(this.pos); this.pos += 4; return this.array(v)
      case 0xde: this.need(2); v = buf.readUInt16BE(this.pos); this.pos += 2; return this.map(v)
      case 0xdf: this.need(4); v = buf.readUInt32BE(this.pos); this.pos += 4; return this.map(v)
      default:
        throw new MsgpackError(`unsupported MessagePack type 0x${t.toString(16)}`)
    }
  }
}

/** Decodes one value; strings under a "data" key come back as Buffers. */
export function decode(buf: Buffer): unknown {
  const r = new Reader(buf)
  const v = r.value(false)
  if (r.pos !== buf.length) throw new MsgpackError('trailing bytes after the MessagePack value')
  return v
}
