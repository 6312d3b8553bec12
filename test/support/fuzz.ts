// Seeded random inputs for the codec and wire fuzzers: valid requests built
// with src/protocol's own encoder, then mutated the way broken or hostile
// clients break frames (flipped bits, cut or grown bodies, hostile length
// fields). Everything derives from one printed seed, so a failure replays
// with FUZZ_SEED=<seed>.

import { OpCode } from '../../src/engine/codes'
import { encodeConnectRequest, encodeRequest, type WireRequest } from '../../src/protocol'

/** mulberry32: small, fast, good enough to drive a fuzzer */
export class Rng {
  private s: number
  constructor (readonly seed: number) { this.s = seed >>> 0 }
  next (): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int (n: number): number { return Math.floor(this.next() * n) }
  pick<T> (xs: readonly T[]): T { return xs[this.int(xs.length)] }
  bytes (n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }
}

/** The seed: FUZZ_SEED if set, else a fresh one (printed by the caller). */
export function fuzzSeed (): number {
  const env = process.env.FUZZ_SEED
  return env !== undefined && env !== '' ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0
}

/** How many cases: FUZZ_RUNS for long runs, else `dflt`. */
export function fuzzRuns (dflt: number): number {
  const env = process.env.FUZZ_RUNS
  const n = env !== undefined && env !== '' ? Number(env) : dflt
  return Number.isSafeInteger(n) && n > 0 ? n : dflt
}

const INTERESTING = [0, 1, -1, 0x7fffffff, -0x80000000, 0xfffff, 0x100000, 255, 256, 65535]
const PATHS = ['/', '/a', '/a/b', '/fuzz', '', 'no-slash', '/a//b', '/a/', '/zookeeper', '/\u0000', '/é', '/a/./b']
const ACLS = [[], [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], [{ perms: 1, id: { scheme: 'digest', id: 'u:h' } }], [{ perms: 99, id: { scheme: 'nope', id: '' } }]]

function data (r: Rng): Buffer | null {
  return r.int(8) === 0 ? null : r.bytes(r.int(32))
}

/** A random, well-formed request record (any opcode the codec knows). */
export function randomRequest (r: Rng): WireRequest {
  const path = r.pick(PATHS)
  const d = data(r)
  const version = r.pick(INTERESTING)
  switch (r.int(17)) {
    case 0: return { type: r.pick([OpCode.create, OpCode.create2, OpCode.createContainer]), path, data: d, dataLength: d?.length ?? 0, acl: r.pick(ACLS), flags: r.pick([0, 1, 2, 3, 4, 5, 6, -1]) }
    case 1: return { type: OpCode.createTTL, path, data: d, dataLength: d?.length ?? 0, acl: r.pick(ACLS), flags: r.pick([5, 6, 0]), ttl: r.pick([1, 0, -1, 2 ** 40]) }
    case 2: return { type: r.pick([OpCode.delete, OpCode.deleteContainer]), path, version }
    case 3: return { type: r.pick([OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2]), path, watch: r.int(2) === 0 }
    case 4: return { type: OpCode.setData, path, data: d, dataLength: d?.length ?? 0, version }
    case 5: return { type: r.pick([OpCode.getACL, OpCode.sync, OpCode.getAllChildrenNumber]), path }
    case 6: return { type: OpCode.getEphemerals, prefixPath: path }
    case 7: return { type: OpCode.setACL, path, acl: r.pick(ACLS), version }
    case 8: return { type: OpCode.check, path, version }
    case 9: {
      // multi carries writes and checks, multiRead reads: the encoder refuses anything else
      const type = r.pick([OpCode.multi, OpCode.multiRead])
      const allowed: number[] = type === OpCode.multi ? [OpCode.create, OpCode.delete, OpCode.setData, OpCode.check] : [OpCode.getData, OpCode.getChildren]
      const ops = []
      for (let i = r.int(4); i > 0; i--) {
        const sub = randomRequest(r)
        if (allowed.includes(sub.type as number)) ops.push(sub)
      }
      return { type, ops } as WireRequest
    }
    case 10: return { type: r.pick([OpCode.setWatches, OpCode.setWatches2]), relativeZxid: r.int(1000), dataWatches: [path], existWatches: r.int(2) === 0 ? [] : [r.pick(PATHS)], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }
    case 11: return { type: OpCode.addWatch, path, mode: r.pick([0, 1, 2, -1]) }
    case 12: return { type: r.pick([OpCode.checkWatches, OpCode.removeWatches]), path, watcherType: r.pick([1, 2, 3, 0, 9]) }
    case 13: return { type: OpCode.auth, authType: 0, scheme: r.pick(['digest', 'ip', 'world', '']), auth: r.bytes(r.int(16)) }
    case 14: return { type: OpCode.sasl, token: r.bytes(r.int(24)) }
    case 15: return { type: OpCode.whoAmI }
    default: return { type: OpCode.ping }
  }
}

/** A whole request frame (length prefix included), as the client library would send it. */
export function requestFrame (r: Rng, xid = 1 + r.int(1000)): Buffer {
  return Buffer.from(encodeRequest(undefined, xid, randomRequest(r)))
}

/** A ConnectRequest frame; `fresh` asks for a new session (a random id is an expired session: the server closes). */
export function connectFrame (r: Rng, fresh = false): Buffer {
  return Buffer.from(encodeConnectRequest(undefined, { lastZxidSeen: fresh ? 0 : r.int(100), timeOut: r.pick([0, 1, 30000, -1, 0x7fffffff]), sessionId: fresh || r.int(2) === 0 ? 0 : r.int(2 ** 31), passwd: r.bytes(r.pick([0, 16, 3])) }, r.int(2) === 0))
}

/**
 * One mutation of a frame body (the bytes after the length prefix):
 * flipped bits, random bytes, cut, grown, a hostile int32 written at a
 * random offset (length fields become -1, 2^31-1, …), or two bodies spliced.
 */
export function mutate (r: Rng, body: Buffer, other: Buffer): Buffer {
  const b = Buffer.from(body)
  switch (r.int(7)) {
    case 0:
      for (let i = 1 + r.int(4); i > 0 && b.length > 0; i--) b[r.int(b.length)] ^= 1 << r.int(8)
      return b
    case 1:
      for (let i = 1 + r.int(4); i > 0 && b.length > 0; i--) b[r.int(b.length)] = r.int(256)
      return b
    case 2: return b.subarray(0, r.int(b.length + 1))
    case 3: return Buffer.concat([b, r.bytes(1 + r.int(16))])
    case 4:
      if (b.length >= 4) b.writeInt32BE(r.pick(INTERESTING) | 0, r.int(b.length - 3))
      return b
    case 5: return Buffer.concat([b.subarray(0, r.int(b.length + 1)), other.subarray(r.int(other.length + 1))])
    default: return r.bytes(r.int(64))
  }
}
