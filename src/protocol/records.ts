// The shared data records (org.apache.zookeeper.data): Stat, Id, ACL.

import type { ACL, Stat } from '../engine/types'
import type { JuteReader, JuteWriter } from './jute'

/** Bytes of a serialized Stat: 6 longs, 5 ints. */
export const STAT_SIZE = 68

export function readStat (r: JuteReader): Stat {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: r.long(),
    mtime: r.long(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long()
  }
}

export function writeStat (w: JuteWriter, s: Stat): void {
  w.long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime)
    .int(s.version).int(s.cversion).int(s.aversion)
    .long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid)
}

/** vector<ACL>; null reads as [] (ZooKeeper rejects both with INVALIDACL where it matters). */
export function readAcls (r: JuteReader): ACL[] {
  // smallest ACL: perms + two empty ustrings
  const n = r.vectorCount('acl', 12)
  const out: ACL[] = new Array(n < 0 ? 0 : n)
  for (let i = 0; i < n; i++) {
    const perms = r.int()
    const scheme = r.string(`acl[${i}].id.scheme`)
    const id = r.string(`acl[${i}].id.id`)
    out[i] = { perms, id: { scheme, id } }
  }
  return out
}

/** ZooKeeper's OPEN_ACL_UNSAFE (world:anyone, ALL): what nearly every create sends */
const OPEN_ACL: ACL[] = Object.freeze([
  Object.freeze({ perms: 31, id: Object.freeze({ scheme: 'world', id: 'anyone' }) })
]) as ACL[]
/** ...as jute encodes it: count 1, perms 31, ustring "world", ustring "anyone" */
const OPEN_ACL_BYTES = Buffer.from('000000010000001f00000005776f726c6400000006616e796f6e65', 'hex')

/**
 * readAcls for a request the server keeps: OPEN_ACL_UNSAFE decodes to one
 * shared, frozen list instead of three objects per create, and the znodes
 * that store it share it too (the engine never mutates a stored ACL).
 */
export function readRequestAcls (r: JuteReader): ACL[] {
  const n = OPEN_ACL_BYTES.length
  if (r.end - r.pos >= n && r.buf.compare(OPEN_ACL_BYTES, 0, n, r.pos, r.pos + n) === 0) {
    r.pos += n
    return OPEN_ACL
  }
  return readAcls(r)
}

export function writeAcls (w: JuteWriter, acl: readonly ACL[] | null | undefined): void {
  if (acl == null) {
    w.int(-1)
    return
  }
  w.int(acl.length)
  for (let i = 0; i < acl.length; i++) {
    const a = acl[i]
    w.int(a.perms).ustring(a.id.scheme).ustring(a.id.id)
  }
}
