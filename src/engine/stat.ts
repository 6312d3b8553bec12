import type { Stat, ZNode } from './types'

/** A detached copy of a node's Stat (callers may keep it after the node changes). */
export function statOf(n: ZNode): Stat {
  return {
    czxid: n.czxid,
    mzxid: n.mzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    cversion: n.cversion,
    aversion: n.aversion,
    ephemeralOwner: n.ephemeralOwner,
    dataLength: n.dataLength,
    numChildren: n.numChildren,
    pzxid: n.pzxid,
  }
}
