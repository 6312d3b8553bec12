// The JSON views of HBase's znodes: what decodeHBaseZnode returns. One
// discriminated union on `kind`; every view carries the path it was decoded
// for (relative to the HBase parent znode) and who wrote it, when the value
// had RecoverableZooKeeper's header.

import type { WriterInfo } from './framing'
import type { ServerNameView } from './server-name'

export type { WriterInfo } from './framing'
export type { ServerNameView } from './server-name'

interface Base {
  /** relative to zookeeper.znode.parent, without leading or trailing "/" ("" is the parent itself) */
  path: string
  /** from the RecoverableZooKeeper header; null for values written without it (or empty ones) */
  writer: WriterInfo | null
}

/** /master and /backup-masters/<sn>: ZooKeeperProtos.Master */
export interface MasterView extends Base {
  kind: 'master' | 'backup-master'
  server: ServerNameView
  /** for backup masters: the ServerName in the znode's name (HBase keeps it equal to `server`) */
  znodeServer: ServerNameView | null
  rpcVersion: number | null
  infoPort: number | null
}

export interface VersionInfoView {
  version: string
  url: string
  revision: string
  user: string
  date: string
  srcChecksum: string
  versionMajor: number | null
  versionMinor: number | null
}

/** /rs/<sn>: HBaseProtos.RegionServerInfo; the server itself is named by the znode */
export interface RegionServerView extends Base {
  kind: 'region-server'
  server: ServerNameView | null
  infoPort: number | null
  versionInfo: VersionInfoView | null
}

/** /draining/<sn>: empty; the name is the decommissioned server */
export interface DrainingView extends Base {
  kind: 'draining'
  server: ServerNameView | null
}

/** /meta-region-server[-<replicaId>]: ZooKeeperProtos.MetaRegionServer */
export interface MetaRegionServerView extends Base {
  kind: 'meta-region-server'
  replicaId: number
  server: ServerNameView
  rpcVersion: number | null
  /** RegionState.State name; HBase reads an absent state as OPEN, and so do we */
  state: string
}

/** /hbaseid: ClusterIdProtos.ClusterId */
export interface ClusterIdView extends Base {
  kind: 'cluster-id'
  clusterId: string
}

/** /running: ZooKeeperProtos.ClusterUp (present = cluster up) */
export interface RunningView extends Base {
  kind: 'running'
  /** as the master wrote it (Date.toString() in the master's JVM) */
  startDate: string
}

/** /balancer, /normalizer, /switch/{split,merge}, /snapshot-cleanup */
export interface SwitchView extends Base {
  kind: 'balancer' | 'normalizer' | 'split' | 'merge' | 'snapshot-cleanup'
  enabled: boolean
}

/** /table/<name>: ZooKeeperProtos.DeprecatedTableState (1.x-era; 2.x only migrates it) */
export interface TableStateView extends Base {
  kind: 'table-state'
  table: string
  state: string
}

/** /namespace/<ns>: HBaseProtos.NamespaceDescriptor, written WITHOUT the PBUF magic (ZKNamespaceManager; 2.x keeps it only as a mirror) */
export interface NamespaceView extends Base {
  kind: 'namespace'
  namespace: string
  configuration: Record<string, string>
}

export interface TableCfsView {
  /** "ns:qualifier", or just "qualifier" in the default namespace (TableName.toString) */
  table: string
  /** empty: every family */
  families: string[]
}

/** /replication/peers/<id>: ReplicationProtos.ReplicationPeer */
export interface ReplicationPeerView extends Base {
  kind: 'replication-peer'
  peerId: string
  clusterKey: string | null
  replicationEndpointImpl: string | null
  replicateAll: boolean | null
  serial: boolean | null
  bandwidth: number | null
  tableCfs: TableCfsView[]
  excludeTableCfs: TableCfsView[]
  namespaces: string[]
  excludeNamespaces: string[]
  configuration: Record<string, string>
}

/** /replication/peers/<id>/peer-state: ReplicationProtos.ReplicationState */
export interface ReplicationPeerStateView extends Base {
  kind: 'replication-peer-state'
  peerId: string
  state: string
  enabled: boolean
}

/** /replication/rs/<server>/<queueId>/<wal>: ReplicationHLogPosition (empty = position 0) */
export interface ReplicationWalPositionView extends Base {
  kind: 'replication-wal-position'
  queueOwner: ServerNameView | null
  queueId: string
  wal: string
  position: number
}

/** /splitWAL/<task>: ZooKeeperProtos.SplitLogTask (only with hbase.split.wal.zk.coordinated) */
export interface SplitLogTaskView extends Base {
  kind: 'split-log-task'
  task: string
  state: string
  server: ServerNameView
}

/** The parent itself and HBase's persistent directories, which hold no data. */
export interface DirectoryView extends Base {
  kind: 'directory'
}

/** A path HBase 2.x does not write, or a value whose format is not decoded (procedures). */
export interface UnknownView extends Base {
  kind: 'unknown'
  reason: string
}

/** A known znode whose value does not decode: garbled, truncated, wrong magic, missing fields. */
export interface InvalidView extends Base {
  kind: 'invalid'
  /** what the path says it should be */
  expected: string
  reason: string
}

export type HBaseView =
  | MasterView | RegionServerView | DrainingView | MetaRegionServerView | ClusterIdView | RunningView
  | SwitchView | TableStateView | NamespaceView | ReplicationPeerView | ReplicationPeerStateView | ReplicationWalPositionView
  | SplitLogTaskView | DirectoryView | UnknownView | InvalidView
