import type { Stat, ZNode } from './types'

/**
 * The Stat a client sees, as ZooKeeper's DataNode.copyStat makes it: a node
 * stores cversion as the number of children ever created (that count names
 * sequential children), and reports creations plus deletions, i.e.
 * 2 × stored − numChildren. Containers and TTL nodes report no owner.
 * The result is a detached copy: callers may keep it after the node changes.
 */
export function statOf(n: ZNode): Stat {
  return {
    czxid: n.czxid,
    mzxid: n.mzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    cversion: n.cversion * 2 - n.numChildren,
    aversion: n.aversion,
    ephemeralOwner: n.ephemeralOwner > 0 ? n.ephemeralOwner : 0,
    dataLength: n.dataLength,
    numChildren: n.numChildren,
    pzxid: n.pzxid,
  }
}
