// Which HBase znode a path is, from its place under zookeeper.znode.parent.
// Names are HBase 2.x's defaults (ZNodePaths, ZKReplicationStorageBase);
// the 1.x-only directories are listed so that an old tree is not "unknown".

export type ZnodeRole =
  | { role: 'parent' }
  | { role: 'master' }
  | { role: 'backup-master', name: string }
  | { role: 'region-server', name: string }
  | { role: 'draining', name: string }
  | { role: 'meta-region-server', replicaId: number }
  | { role: 'cluster-id' }
  | { role: 'running' }
  | { role: 'balancer' }
  | { role: 'normalizer' }
  | { role: 'switch', name: 'split' | 'merge' }
  | { role: 'snapshot-cleanup' }
  | { role: 'table-state', table: string }
  | { role: 'namespace', namespace: string }
  | { role: 'replication-peer', peerId: string }
  | { role: 'replication-peer-state', peerId: string }
  | { role: 'replication-wal-position', queueOwner: string, queueId: string, wal: string }
  | { role: 'split-log-task', task: string }
  | { role: 'directory' }
  | { role: 'procedure' }
  | { role: 'unknown', reason: string }

/** Persistent directories whose own data is empty. */
const DIRECTORIES = new Set([
  'rs', 'backup-masters', 'draining', 'table', 'splitWAL', 'switch', 'master-maintenance', 'namespace',
  'replication', 'replication/peers', 'replication/rs', 'replication/hfile-refs',
  'online-snapshot', 'flush-table-proc', 'tokenauth', 'acl',
  // 1.x
  'region-in-transition', 'table-lock', 'recovering-regions'
])

/** Procedure coordination trees: children are procedure-specific and not decoded. */
const PROCEDURE_TREES = new Set(['online-snapshot', 'flush-table-proc'])

/** "/a/b/" → "a/b"; relPath is relative to the HBase parent znode. */
export function normalizeRelPath (relPath: string): string {
  return relPath.replace(/^\/+|\/+$/g, '')
}

export function roleOf (relPath: string): ZnodeRole {
  const rel = normalizeRelPath(relPath)
  if (rel === '') return { role: 'parent' }
  if (DIRECTORIES.has(rel)) return { role: 'directory' }
  const parts = rel.split('/')
  const [top] = parts
  if (parts.length === 1) {
    switch (top) {
      case 'master': return { role: 'master' }
      case 'hbaseid': return { role: 'cluster-id' }
      case 'running': return { role: 'running' }
      case 'balancer': return { role: 'balancer' }
      case 'normalizer': return { role: 'normalizer' }
      case 'snapshot-cleanup': return { role: 'snapshot-cleanup' }
      case 'meta-region-server': return { role: 'meta-region-server', replicaId: 0 }
    }
    const replica = /^meta-region-server-(\d{1,4})$/.exec(top)
    if (replica !== null) return { role: 'meta-region-server', replicaId: Number(replica[1]) }
    return { role: 'unknown', reason: `not a znode HBase 2.x writes: ${top}` }
  }
  if (parts.length === 2) {
    const name = parts[1]
    switch (top) {
      case 'backup-masters': return { role: 'backup-master', name }
      case 'rs': return { role: 'region-server', name }
      case 'draining': return { role: 'draining', name }
      case 'table': return { role: 'table-state', table: name }
      case 'splitWAL': return { role: 'split-log-task', task: name }
      case 'namespace': return { role: 'namespace', namespace: name }
      case 'switch':
        if (name === 'split' || name === 'merge') return { role: 'switch', name }
        break
    }
  }
  if (PROCEDURE_TREES.has(top)) return parts.length === 2 ? { role: 'directory' } : { role: 'procedure' }
  if (top === 'replication') {
    const [, area, a, b, c] = parts
    if (area === 'peers' && parts.length === 3) return { role: 'replication-peer', peerId: a }
    if (area === 'peers' && parts.length === 4 && b === 'peer-state') return { role: 'replication-peer-state', peerId: a }
    if (area === 'rs' && parts.length <= 4) return { role: 'directory' }
    if (area === 'rs' && parts.length === 5) return { role: 'replication-wal-position', queueOwner: a, queueId: b, wal: c }
    if (area === 'hfile-refs') return { role: 'directory' }
  }
  return { role: 'unknown', reason: `not a znode HBase 2.x writes: ${rel}` }
}
