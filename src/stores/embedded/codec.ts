// The binary encoding of storage mutations. One log record is a frame whose
// payload is `f64 seq` followed by the transaction's operations; a snapshot is
// a series of frames holding the same operations (plus two bulk forms).
//
// Every op starts with a one-byte tag. Integers the engine keeps within int32
// (versions, lengths) are i32; zxids, times and session ids are f64 because
// they are doubles below 2^53 in the engine (and container/TTL owners are
// negative 64-bit patterns that only a double carries unchanged). Strings are
// u32 byte length + UTF-8; data is i32 length (-1 = null, kept distinct from
// empty) + the bytes as they are.

import type { ACL, Data, SessionId, SessionRecord, ZNode, Zxid } from '../../engine/types'
import { CorruptDataError } from './errors'
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, checksum } from './frame'

export const OP_PUT_NODE = 1
export const OP_DELETE_NODE = 2
export const OP_ADD_CHILD = 3
export const OP_REMOVE_CHILD = 4
export const OP_SET_ZXID = 5
export const OP_PUT_SESSION = 6
export const OP_DELETE_SESSION = 7
export const OP_ADD_EPHEMERAL = 8
export const OP_REMOVE_EPHEMERAL = 9
/** snapshot only: a parent and all its child names */
export const OP_CHILD_SET = 10
/** snapshot only: a session and all its ephemeral paths */
export const OP_EPHEMERAL_SET = 11

/** What decoded operations are applied to: the in-memory state. */
export interface OpSink {
  putNode(path: string, node: ZNode): void
  deleteNode(path: string): void
  addChild(parent: string, name: string): void
  removeChild(parent: string, name: string): void
  setZxid(zxid: Zxid): void
  putSession(session: SessionRecord): void
  deleteSession(id: SessionId): void
  addEphemeral(id: SessionId, path: string): void
  removeEphemeral(id: SessionId, path: string): void
}

const INITIAL_CAPACITY = 64 * 1024

/** A growable little-endian buffer writer that frames what it writes. */
export class Writer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY)
  pos = 0

  reset(): void {
    // a huge transaction should not pin its buffer for the life of the process
    if (this.buf.length > 16 * INITIAL_CAPACITY) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY)
    this.pos = 0
  }

  private ensure(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** Reserve a frame header; returns the frame's start for endFrame. */
  beginFrame(): number {
    this.ensure(FRAME_HEADER_BYTES)
    const start = this.pos
    this.pos += FRAME_HEADER_BYTES
    return start
  }

  endFrame(start: number): void {
    const payloadStart = start + FRAME_HEADER_BYTES
    const len = this.pos - payloadStart
    if (len > MAX_FRAME_BYTES) throw new RangeError(`log record of ${len} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`)
    this.buf.writeUInt32LE(len, start)
    this.buf.writeUInt32LE(checksum(this.buf, payloadStart, this.pos), start + 4)
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  i32(v: number, what: string): void {
    if ((v | 0) !== v) throw new RangeError(`${what} must be a 32-bit integer, got ${v}`)
    this.ensure(4)
    this.buf.writeInt32LE(v, this.pos)
    this.pos += 4
  }

  u32(v: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(v, this.pos)
    this.pos += 4
  }

  f64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(v, this.pos)
    this.pos += 8
  }

  str(s: string): void {
    // UTF-8 is at most 3 bytes per UTF-16 unit: reserve that, write, then
    // backfill the length, instead of measuring the string twice.
    this.ensure(4 + s.length * 3)
    const n = this.buf.write(s, this.pos + 4, 'utf8')
    this.buf.writeUInt32LE(n, this.pos)
    this.pos += 4 + n
  }

  data(d: Data): void {
    if (d === null) {
      this.i32(-1, 'data length')
      return
    }
    this.ensure(4 + d.length)
    this.buf.writeInt32LE(d.length, this.pos)
    this.buf.set(d, this.pos + 4)
    this.pos += 4 + d.length
  }

  /** A copy of [start, pos): the pending-write queue must not alias the reusable buffer. */
  copy(start: number): Buffer {
    return Buffer.from(this.buf.subarray(start, this.pos))
  }
}

export function encodePutNode(w: Writer, path: string, n: ZNode): void {
  w.u8(OP_PUT_NODE)
  w.str(path)
  w.f64(n.czxid)
  w.f64(n.mzxid)
  w.f64(n.ctime)
  w.f64(n.mtime)
  w.i32(n.version, 'version')
  w.i32(n.cversion, 'cversion')
  w.i32(n.aversion, 'aversion')
  w.f64(n.ephemeralOwner)
  w.i32(n.dataLength, 'dataLength')
  w.i32(n.numChildren, 'numChildren')
  w.f64(n.pzxid)
  w.data(n.data)
  w.u32(n.acl.length)
  for (const a of n.acl) {
    w.i32(a.perms, 'ACL perms')
    w.str(a.id.scheme)
    w.str(a.id.id)
  }
}

export function encodePathOp(w: Writer, op: number, path: string): void {
  w.u8(op)
  w.str(path)
}

export function encodeChildOp(w: Writer, op: number, parent: string, name: string): void {
  w.u8(op)
  w.str(parent)
  w.str(name)
}

export function encodeSetZxid(w: Writer, zxid: Zxid): void {
  w.u8(OP_SET_ZXID)
  w.f64(zxid)
}

export function encodePutSession(w: Writer, s: SessionRecord): void {
  w.u8(OP_PUT_SESSION)
  w.f64(s.id)
  w.f64(s.timeout)
  w.str(s.passwd)
}

export function encodeDeleteSession(w: Writer, id: SessionId): void {
  w.u8(OP_DELETE_SESSION)
  w.f64(id)
}

export function encodeEphemeralOp(w: Writer, op: number, id: SessionId, path: string): void {
  w.u8(op)
  w.f64(id)
  w.str(path)
}

export function encodeChildSet(w: Writer, parent: string, names: Iterable<string>, count: number): void {
  w.u8(OP_CHILD_SET)
  w.str(parent)
  w.u32(count)
  for (const n of names) w.str(n)
}

export function encodeEphemeralSet(w: Writer, id: SessionId, paths: Iterable<string>, count: number): void {
  w.u8(OP_EPHEMERAL_SET)
  w.f64(id)
  w.u32(count)
  for (const p of paths) w.str(p)
}

/** A bounds-checked reader over one frame's payload. */
export class Reader {
  pos: number
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new CorruptDataError(`record ends early (need ${n} bytes at offset ${this.pos})`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++] as number
  }

  i32(): number {
    this.need(4)
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }

  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  f64(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  str(): string {
    const n = this.u32()
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  data(): Data {
    const n = this.i32()
    if (n === -1) return null
    if (n < 0) throw new CorruptDataError(`negative data length ${n}`)
    this.need(n)
    // copy: a znode must not pin the whole file buffer it was read from
    const d = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return d
  }

  get done(): boolean {
    return this.pos >= this.end
  }
}

function decodeNode(r: Reader): ZNode {
  const czxid = r.f64()
  const mzxid = r.f64()
  const ctime = r.f64()
  const mtime = r.f64()
  const version = r.i32()
  const cversion = r.i32()
  const aversion = r.i32()
  const ephemeralOwner = r.f64()
  const dataLength = r.i32()
  const numChildren = r.i32()
  const pzxid = r.f64()
  const data = r.data()
  const aclCount = r.u32()
  const acl: ACL[] = []
  for (let i = 0; i < aclCount; i++) {
    const perms = r.i32()
    const scheme = r.str()
    const id = r.str()
    acl.push({ perms, id: { scheme, id } })
  }
  return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren, pzxid, data, acl }
}

/** Decode ops until the reader's end, applying each to sink; returns how many were put-node ops. */
export function applyOps(r: Reader, sink: OpSink): number {
  let puts = 0
  while (!r.done) {
    const op = r.u8()
    switch (op) {
      case OP_PUT_NODE: {
        const path = r.str()
        sink.putNode(path, decodeNode(r))
        puts++
        break
      }
      case OP_DELETE_NODE:
        sink.deleteNode(r.str())
        break
      case OP_ADD_CHILD: {
        const parent = r.str()
        sink.addChild(parent, r.str())
        break
      }
      case OP_REMOVE_CHILD: {
        const parent = r.str()
        sink.removeChild(parent, r.str())
        break
      }
      case OP_SET_ZXID:
        sink.setZxid(r.f64())
        break
      case OP_PUT_SESSION: {
        const id = r.f64()
        const timeout = r.f64()
        sink.putSession({ id, timeout, passwd: r.str() })
        break
      }
      case OP_DELETE_SESSION:
        sink.deleteSession(r.f64())
        break
      case OP_ADD_EPHEMERAL: {
        const id = r.f64()
        sink.addEphemeral(id, r.str())
        break
      }
      case OP_REMOVE_EPHEMERAL: {
        const id = r.f64()
        sink.removeEphemeral(id, r.str())
        break
      }
      case OP_CHILD_SET: {
        const parent = r.str()
        const n = r.u32()
        for (let i = 0; i < n; i++) sink.addChild(parent, r.str())
        break
      }
      case OP_EPHEMERAL_SET: {
        const id = r.f64()
        const n = r.u32()
        for (let i = 0; i < n; i++) sink.addEphemeral(id, r.str())
        break
      }
      default:
        throw new CorruptDataError(`unknown operation tag ${op} at offset ${r.pos - 1}`)
    }
  }
  return puts
}
