// Make two servers' replies comparable: zxids relative to the run's start,
// session ids replaced by slot labels, times dropped, child lists sorted
// (ZooKeeper keeps children in a HashSet: their order is not part of the contract).

import type { Stat } from '../../src/engine/types'
import type { Reply } from '../../src/client'

export class Normalizer {
  constructor (readonly baseZxid: number) {}

  zxid (z: number): number | string {
    return z === 0 ? 0 : z - this.baseZxid
  }

  // A real ZooKeeper's session ids are about 2^57, beyond what a double holds
  // exactly, so owners cannot be told apart by id here; which session owns
  // which ephemeral is compared through getEphemerals instead.
  owner (o: number): number | string {
    return o > 0 ? 'session' : o
  }

  stat (s: Stat | undefined): unknown {
    if (s === undefined) return undefined
    return {
      czxid: this.zxid(s.czxid),
      mzxid: this.zxid(s.mzxid),
      pzxid: this.zxid(s.pzxid),
      version: s.version,
      cversion: s.cversion,
      aversion: s.aversion,
      ephemeralOwner: this.owner(s.ephemeralOwner),
      dataLength: s.dataLength,
      numChildren: s.numChildren
    }
  }

  private data (d: Uint8Array | null | undefined): string | null | undefined {
    if (d === undefined) return undefined
    return d === null ? null : Buffer.from(d).toString('hex')
  }

  body (b: Reply['body']): unknown {
    if (b === undefined) return undefined
    const out: Record<string, unknown> = {}
    if (b.path !== undefined) out.path = b.path
    if (b.stat !== undefined) out.stat = this.stat(b.stat)
    if ('data' in b) out.data = this.data(b.data)
    if (b.acl !== undefined) out.acl = b.acl
    if (b.children !== undefined) out.children = [...b.children].sort()
    if (b.paths !== undefined) out.paths = [...b.paths].sort()
    if (b.count !== undefined) out.count = b.count
    if (b.results !== undefined) {
      out.results = b.results.map((r) => {
        const o: Record<string, unknown> = { type: r.type }
        if ('err' in r) o.err = r.err
        if ('path' in r) o.path = r.path
        if ('stat' in r) o.stat = this.stat(r.stat)
        if ('data' in r) o.data = this.data(r.data)
        if ('children' in r) o.children = [...r.children].sort()
        return o
      })
    }
    return out
  }

  reply (r: Reply): unknown {
    return { err: r.err, zxid: this.zxid(r.zxid), body: this.body(r.body) }
  }
}
