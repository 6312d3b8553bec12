// JSON schemas of the HBase views (src/hbase/types.ts, summary.ts; docs/hbase.md):
// every field of every view, so /openapi.json documents them and Fastify's
// serializer, which drops what a schema does not name, keeps all of them.
// A view is one of several shapes told apart by `kind` (anyOf: the
// serializer picks the branch the value validates against).

import { statSchema } from './rest-schemas'

const str = { type: 'string' } as const
const nullableStr = { type: ['string', 'null'] } as const
const nullableInt = { type: ['integer', 'null'] } as const
const nullableBool = { type: ['boolean', 'null'] } as const
const strings = { type: 'array', items: str } as const
const configuration = { type: 'object', additionalProperties: str, description: 'key → value' } as const

/** one shape: every property required, nothing else */
function shape<P extends Record<string, unknown>> (description: string, properties: P) {
  return { type: 'object', description, required: Object.keys(properties), properties, additionalProperties: false } as const
}

export const serverName = shape('HBase ServerName', {
  name: { type: 'string', description: '"host,port,startcode", as HBase prints it and names znodes' },
  host: str,
  port: { type: 'integer' },
  startCode: { type: 'number', description: 'the server\'s start time, ms since the epoch' },
  startedAt: { type: ['string', 'null'], description: 'startCode as an ISO date' }
})
const nullableServerName = { ...serverName, type: ['object', 'null'] } as const

const writer = {
  ...shape('RecoverableZooKeeper\'s header: who wrote the value', { id: { type: 'string', description: 'e.g. "master:16000" and a session id' }, salt: { type: 'string', description: '8 bytes, hex' } }),
  type: ['object', 'null']
} as const

export const versionInfo = shape('HBaseProtos.VersionInfo', {
  version: str, url: str, revision: str, user: str, date: str, srcChecksum: str, versionMajor: nullableInt, versionMinor: nullableInt
})

const tableCfs = shape('a table and its column families (empty: all)', { table: str, families: strings })
/** what a replication peer replicates: the same fields in its own view and in the summary */
const peerScope = {
  replicateAll: nullableBool,
  serial: nullableBool,
  bandwidth: { type: ['number', 'null'] },
  tableCfs: { type: 'array', items: tableCfs },
  excludeTableCfs: { type: 'array', items: tableCfs },
  namespaces: strings,
  excludeNamespaces: strings
} as const

/** the fields every view has */
const base = {
  path: { type: 'string', description: 'relative to the HBase parent, no leading "/" ("" is the parent itself)' },
  writer
} as const

function view<K extends readonly string[], P extends Record<string, unknown>> (description: string, kinds: K, properties: P) {
  return shape(description, { kind: { type: 'string', enum: kinds }, ...base, ...properties })
}

export const masterView = view('/master, /backup-masters/<sn>: ZooKeeperProtos.Master', ['master', 'backup-master'], {
  server: serverName,
  znodeServer: { ...nullableServerName, description: 'backup masters: the ServerName in the znode\'s name' },
  rpcVersion: nullableInt,
  infoPort: nullableInt
})

const views = [
  masterView,
  view('/rs/<sn>: HBaseProtos.RegionServerInfo', ['region-server'], { server: nullableServerName, infoPort: nullableInt, versionInfo: { ...versionInfo, type: ['object', 'null'] } }),
  view('/draining/<sn>: a decommissioned server', ['draining'], { server: nullableServerName }),
  view('/meta-region-server[-<replica>]: ZooKeeperProtos.MetaRegionServer', ['meta-region-server'], { replicaId: { type: 'integer' }, server: serverName, rpcVersion: nullableInt, state: { type: 'string', description: 'RegionState.State name (absent: OPEN)' } }),
  view('/hbaseid: ClusterIdProtos.ClusterId', ['cluster-id'], { clusterId: str }),
  view('/running: ZooKeeperProtos.ClusterUp', ['running'], { startDate: str }),
  view('/balancer, /normalizer, /switch/{split,merge}, /snapshot-cleanup', ['balancer', 'normalizer', 'split', 'merge', 'snapshot-cleanup'], { enabled: { type: 'boolean' } }),
  view('/table/<name>: ZooKeeperProtos.DeprecatedTableState', ['table-state'], { table: str, state: str }),
  view('/namespace/<ns>: HBaseProtos.NamespaceDescriptor', ['namespace'], { namespace: str, configuration }),
  view('/replication/peers/<id>: ReplicationProtos.ReplicationPeer', ['replication-peer'], {
    peerId: str,
    clusterKey: nullableStr,
    replicationEndpointImpl: nullableStr,
    ...peerScope,
    configuration
  }),
  view('/replication/peers/<id>/peer-state: ReplicationProtos.ReplicationState', ['replication-peer-state'], { peerId: str, state: str, enabled: { type: 'boolean' } }),
  view('/replication/rs/<server>/<queue>/<wal>: a WAL position', ['replication-wal-position'], { queueOwner: nullableServerName, queueId: str, wal: str, position: { type: 'number' } }),
  view('/splitWAL/<task>: ZooKeeperProtos.SplitLogTask', ['split-log-task'], { task: str, state: str, server: serverName }),
  view('the parent and HBase\'s directories (no data)', ['directory'], {}),
  view('a path HBase 2.x does not write, or a format not decoded', ['unknown'], { reason: str }),
  view('a known znode whose value does not decode', ['invalid'], { expected: { type: 'string', description: 'what the path says it should be' }, reason: str })
]

export const hbaseView = { description: 'decodeHBaseZnode\'s view, by kind (docs/hbase.md)', anyOf: views } as const

export const hbaseQuery = {
  type: 'object',
  properties: { parent: { type: 'string', default: '/hbase', description: 'zookeeper.znode.parent of the HBase cluster' } },
  additionalProperties: false
} as const

export const hbaseZnodeParams = {
  type: 'object',
  required: ['*'],
  properties: { '*': { type: 'string', description: 'the znode path without its leading "/" (hbase/master); it must lie under parent' } }
} as const

export const hbaseZnodeReply = shape('one HBase znode, decoded', { path: str, view: hbaseView, stat: statSchema })

const switchState = shape('what HBase\'s tracker answers', {
  enabled: { type: 'boolean', description: 'an absent znode means on, an undecodable one off' },
  znode: { type: 'boolean', description: 'whether the znode exists' }
})

export const hbaseSummaryReply = shape('summarizeHBase (docs/hbase.md): the cluster as its znodes tell it', {
  parent: str,
  exists: { type: 'boolean', description: 'whether the parent znode exists' },
  clusterId: nullableStr,
  clusterUp: { type: 'boolean', description: '/running exists' },
  startDate: nullableStr,
  activeMaster: { ...masterView, type: ['object', 'null'] },
  backupMasters: { type: 'array', items: masterView },
  regionServers: {
    type: 'array',
    items: shape('a live region server (/rs/<sn>)', {
      server: nullableServerName,
      znode: str,
      infoPort: nullableInt,
      version: { ...versionInfo, type: ['object', 'null'] },
      draining: { type: 'boolean', description: 'listed under draining/' }
    })
  },
  draining: { type: 'array', items: serverName },
  meta: {
    type: 'array',
    items: shape('hbase:meta (and replicas), by replica id', {
      replicaId: { type: 'integer' },
      server: serverName,
      state: str,
      onLiveServer: { type: 'boolean', description: 'that server has a live /rs znode' }
    })
  },
  switches: shape('the cluster switches', { balancer: switchState, normalizer: switchState, split: switchState, merge: switchState, snapshotCleanup: switchState }),
  replicationPeers: {
    type: 'array',
    items: shape('a replication peer and its state', {
      peerId: str,
      clusterKey: nullableStr,
      enabled: { type: ['boolean', 'null'], description: 'from peer-state; null when missing or undecodable' },
      ...peerScope
    })
  },
  tables: { type: 'array', items: shape('legacy table/ mirror', { table: str, state: str }) },
  namespaces: strings,
  problems: {
    type: 'array',
    description: 'znodes read and not usable: invalid, unknown, or unreadable (e.g. NOAUTH for this caller)',
    items: shape('a problem', { path: str, kind: { type: 'string', enum: ['invalid', 'unknown', 'unreadable'] }, reason: str })
  }
})
