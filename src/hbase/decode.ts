// decodeHBaseZnode: one znode's value → its JSON view. The path says what the
// value must be; the bytes are unframed (RecoverableZooKeeper header, PBUF
// magic) and decoded with HBase's own .proto definitions. Never throws on
// data: anything unexpected becomes { kind: 'unknown' | 'invalid', reason }.

import { stripPbMagic, stripWriterHeader, type WriterInfo } from './framing'
import { FieldError, bool, decodePb, int, list, obj, serverOf, str, tableNameOf, utf8OfBase64, type PbObject } from './pb'
import { normalizeRelPath, roleOf, type ZnodeRole } from './paths'
import { parseServerName } from './server-name'
import type { HBaseView, TableCfsView, VersionInfoView } from './types'

type Role<R extends ZnodeRole['role']> = Extract<ZnodeRole, { role: R }>

interface Ctx { path: string, writer: WriterInfo | null }

/** Decodes one znode's data; relPath is relative to zookeeper.znode.parent ("master", "rs/host,16020,1700…"). */
export function decodeHBaseZnode (relPath: string, data: Uint8Array | null): HBaseView {
  const path = normalizeRelPath(relPath)
  const role = roleOf(path)
  const bytes = data ?? new Uint8Array(0)
  const unframed = stripWriterHeader(bytes)
  if (!unframed.ok) return { kind: 'invalid', path, writer: null, expected: role.role, reason: unframed.reason }
  const ctx: Ctx = { path, writer: unframed.writer }
  const invalid = (reason: string): HBaseView => ({ kind: 'invalid', ...ctx, expected: role.role, reason })
  const payload = unframed.payload

  switch (role.role) {
    case 'unknown': return { kind: 'unknown', ...ctx, reason: role.reason }
    case 'procedure': return { kind: 'unknown', ...ctx, reason: 'procedure coordination znode: its value is procedure-specific and not decoded' }
    case 'parent':
    case 'directory':
      return payload.length === 0 ? { kind: 'directory', ...ctx } : { kind: 'unknown', ...ctx, reason: `directory znode holds ${payload.length} bytes of data, not decoded` }
    case 'draining':
      return { kind: 'draining', ...ctx, server: parseServerName(role.name) }
    case 'replication-wal-position':
      // A WAL enters its queue with empty data; the position is written once shipping starts.
      if (payload.length === 0) return walPosition(ctx, role, 0)
  }

  let message = payload
  if (role.role !== 'namespace') {
    const pb = stripPbMagic(payload)
    if (!pb.ok) return invalid(pb.reason)
    message = pb.message
  } else if (payload.length === 0) {
    return invalid('no NamespaceDescriptor')
  }
  const decoded = decodePb(TYPE_OF[role.role], message)
  if (!decoded.ok) return invalid(decoded.reason)
  try {
    return toView(ctx, role, decoded.value)
  } catch (err) {
    if (err instanceof FieldError) return invalid(err.message)
    throw err
  }
}

const TYPE_OF: Record<string, string> = {
  master: 'hbase.pb.Master',
  'backup-master': 'hbase.pb.Master',
  'region-server': 'hbase.pb.RegionServerInfo',
  'meta-region-server': 'hbase.pb.MetaRegionServer',
  'cluster-id': 'hbase.pb.ClusterId',
  running: 'hbase.pb.ClusterUp',
  balancer: 'hbase.pb.LoadBalancerState',
  // RegionNormalizer.proto declares no package.
  normalizer: 'RegionNormalizerState',
  switch: 'hbase.pb.SwitchState',
  'snapshot-cleanup': 'hbase.pb.SnapshotCleanupState',
  'table-state': 'hbase.pb.DeprecatedTableState',
  namespace: 'hbase.pb.NamespaceDescriptor',
  'replication-peer': 'hbase.pb.ReplicationPeer',
  'replication-peer-state': 'hbase.pb.ReplicationState',
  'replication-wal-position': 'hbase.pb.ReplicationHLogPosition',
  'split-log-task': 'hbase.pb.SplitLogTask'
}

function toView (ctx: Ctx, role: ZnodeRole, o: PbObject): HBaseView {
  switch (role.role) {
    case 'master':
    case 'backup-master':
      return {
        kind: role.role,
        ...ctx,
        server: serverOf(obj(o, 'master')),
        znodeServer: role.role === 'backup-master' ? parseServerName(role.name) : null,
        rpcVersion: int(o, 'rpc_version'),
        infoPort: signed32(int(o, 'info_port'))
      }
    case 'region-server': {
      const v = obj(o, 'version_info')
      return { kind: 'region-server', ...ctx, server: parseServerName(role.name), infoPort: int(o, 'infoPort'), versionInfo: v === null ? null : versionInfo(v) }
    }
    case 'meta-region-server':
      return { kind: 'meta-region-server', ...ctx, replicaId: role.replicaId, server: serverOf(obj(o, 'server')), rpcVersion: int(o, 'rpc_version'), state: str(o, 'state') ?? 'OPEN' }
    case 'cluster-id': return { kind: 'cluster-id', ...ctx, clusterId: str(o, 'cluster_id') ?? '' }
    case 'running': return { kind: 'running', ...ctx, startDate: str(o, 'start_date') ?? '' }
    // proto2 optional bools read as false when absent, as HBase's getters do.
    case 'balancer': return { kind: 'balancer', ...ctx, enabled: bool(o, 'balancer_on') ?? false }
    case 'normalizer': return { kind: 'normalizer', ...ctx, enabled: bool(o, 'normalizer_on') ?? false }
    case 'switch': return { kind: role.name, ...ctx, enabled: bool(o, 'enabled') ?? false }
    case 'snapshot-cleanup': return { kind: 'snapshot-cleanup', ...ctx, enabled: bool(o, 'snapshot_cleanup_enabled') ?? false }
    case 'table-state': return { kind: 'table-state', ...ctx, table: role.table, state: str(o, 'state') ?? 'ENABLED' }
    case 'namespace': {
      const name = utf8OfBase64(o.name)
      if (name !== role.namespace) throw new FieldError(`NamespaceDescriptor names "${name}", the znode "${role.namespace}"`)
      return { kind: 'namespace', ...ctx, namespace: name, configuration: pairs(list(o, 'configuration')) }
    }
    case 'replication-peer': return replicationPeer(ctx, role, o)
    case 'replication-peer-state': {
      const state = str(o, 'state') ?? ''
      return { kind: 'replication-peer-state', ...ctx, peerId: role.peerId, state, enabled: state === 'ENABLED' }
    }
    case 'replication-wal-position': return walPosition(ctx, role, int(o, 'position') ?? 0)
    case 'split-log-task':
      return { kind: 'split-log-task', ...ctx, task: role.task, state: str(o, 'state') ?? '', server: serverOf(obj(o, 'server_name')) }
    default:
      throw new Error(`no view for ${role.role}`)
  }
}

function versionInfo (v: PbObject): VersionInfoView {
  return {
    version: str(v, 'version') ?? '',
    url: str(v, 'url') ?? '',
    revision: str(v, 'revision') ?? '',
    user: str(v, 'user') ?? '',
    date: str(v, 'date') ?? '',
    srcChecksum: str(v, 'src_checksum') ?? '',
    versionMajor: int(v, 'version_major'),
    versionMinor: int(v, 'version_minor')
  }
}

function tableCfs (items: unknown[]): TableCfsView[] {
  return items.map((t) => {
    const o = t as PbObject
    return { table: tableNameOf(obj(o, 'table_name')), families: list(o, 'families').map(utf8OfBase64) }
  })
}

/** Master.info_port is a uint32 in the .proto but HBase writes an int: -1 (UI off) arrives as 4294967295. */
const signed32 = (n: number | null): number | null => n === null ? null : n | 0

/** NameStringPair list → object */
function pairs (items: unknown[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of items) {
    const pair = p as PbObject
    out[str(pair, 'name') ?? ''] = str(pair, 'value') ?? ''
  }
  return out
}

function replicationPeer (ctx: Ctx, role: Role<'replication-peer'>, o: PbObject): HBaseView {
  const configuration = pairs(list(o, 'configuration'))
  return {
    kind: 'replication-peer',
    ...ctx,
    peerId: role.peerId,
    clusterKey: str(o, 'clusterkey'),
    replicationEndpointImpl: str(o, 'replicationEndpointImpl'),
    replicateAll: bool(o, 'replicate_all'),
    serial: bool(o, 'serial'),
    bandwidth: int(o, 'bandwidth'),
    tableCfs: tableCfs(list(o, 'table_cfs')),
    excludeTableCfs: tableCfs(list(o, 'exclude_table_cfs')),
    namespaces: list(o, 'namespaces').map(utf8OfBase64),
    excludeNamespaces: list(o, 'exclude_namespaces').map(utf8OfBase64),
    configuration
  }
}

function walPosition (ctx: Ctx, role: Role<'replication-wal-position'>, position: number): HBaseView {
  return { kind: 'replication-wal-position', ...ctx, queueOwner: parseServerName(role.queueOwner), queueId: role.queueId, wal: role.wal, position }
}
