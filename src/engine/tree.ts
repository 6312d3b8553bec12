// The tree a fresh ZooKeeper starts with (DataTree's constructor): the root,
// /zookeeper, /zookeeper/quota and /zookeeper/config, all with zeroed stats;
// /zookeeper/config is read-only and, quirk included, has aversion -1.

import { Perm } from './codes'
import type { ACL, Bytes, Storage, ZNode } from './types'

const OPEN_ACL: ACL[] = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const READ_ACL: ACL[] = [{ perms: Perm.READ, id: { scheme: 'world', id: 'anyone' } }]

function systemNode(numChildren: number, acl: ACL[], aversion: number, empty: Bytes): ZNode {
  return {
    czxid: 0,
    mzxid: 0,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion,
    ephemeralOwner: 0,
    dataLength: 0,
    numChildren,
    pzxid: 0,
    data: empty,
    acl,
  }
}

/**
 * Create the system nodes if the store is empty; writes nothing otherwise.
 * `empty` is the runtime's empty byte string (Buffer.alloc(0) in Node, "" in Lua).
 */
export function initTree(store: Storage, empty: Bytes): void {
  if (store.getNode('/') !== undefined) return
  const root = systemNode(1, OPEN_ACL, 0, empty)
  const zk = systemNode(2, OPEN_ACL, 0, empty)
  const quota = systemNode(0, OPEN_ACL, 0, empty)
  const config = systemNode(0, READ_ACL, -1, empty)
  store.putNode('/', root)
  store.putNode('/zookeeper', zk)
  store.putNode('/zookeeper/quota', quota)
  store.putNode('/zookeeper/config', config)
  store.addChild('/', 'zookeeper')
  store.addChild('/zookeeper', 'quota')
  store.addChild('/zookeeper', 'config')
  store.setZxid(0)
}
