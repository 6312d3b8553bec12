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
