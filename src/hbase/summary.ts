// summarizeHBase: the state of one HBase cluster as its znodes tell it —
// active master, backups, live region servers, meta location, cluster id,
// switches, replication peers — read through any HBaseTreeReader and decoded
// with decodeHBaseZnode (one decoder; the summary only assembles views).

import { decodeHBaseZnode } from './decode'
import { ZnodeReadError, type HBaseTreeReader } from './reader'
import type { ServerNameView } from './server-name'
import type {
  HBaseView, MasterView, MetaRegionServerView, ReplicationPeerView, TableCfsView, VersionInfoView
} from './types'

export interface RegionServerSummary {
  /** from the znode name (the data holds no ServerName) */
  server: ServerNameView | null
  znode: string
  infoPort: number | null
  version: VersionInfoView | null
  /** listed under draining/ (decommissioned) */
  draining: boolean
}

export interface MetaLocation {
  replicaId: number
  server: ServerNameView
  state: string
  /** whether that server has a live /rs znode */
  onLiveServer: boolean
}

export interface SwitchState {
  /** what HBase's tracker answers: an absent znode means on, an undecodable one off */
  enabled: boolean
  /** whether the znode exists (false: HBase's default applies) */
  znode: boolean
}

export interface ReplicationPeerSummary {
  peerId: string
  clusterKey: string | null
  /** from peer-state; null when it is missing or undecodable */
  enabled: boolean | null
  replicateAll: boolean | null
  serial: boolean | null
  bandwidth: number | null
  tableCfs: TableCfsView[]
  excludeTableCfs: TableCfsView[]
  namespaces: string[]
  excludeNamespaces: string[]
}

export interface SummaryProblem {
  /** absolute path */
  path: string
  kind: 'invalid' | 'unknown' | 'unreadable'
  reason: string
}

export interface HBaseSummary {
  parent: string
  /** whether the parent znode exists at all */
  exists: boolean
  clusterId: string | null
  /** /running exists: the cluster is up (the active master deletes it on a clean cluster shutdown) */
  clusterUp: boolean
  startDate: string | null
  activeMaster: MasterView | null
  backupMasters: MasterView[]
  regionServers: RegionServerSummary[]
  /** decommissioned servers (draining/), live or not */
  draining: ServerNameView[]
  /** meta-region-server and its replicas, by replica id */
  meta: MetaLocation[]
  switches: { balancer: SwitchState, normalizer: SwitchState, split: SwitchState, merge: SwitchState, snapshotCleanup: SwitchState }
  replicationPeers: ReplicationPeerSummary[]
  /** legacy table/ mirror (HBase 2.x keeps the real state in hbase:meta) */
  tables: Array<{ table: string, state: string }>
  namespaces: string[]
  /** znodes the summary read and could not use */
  problems: SummaryProblem[]
}

const join = (parent: string, rel: string): string => rel === '' ? parent : parent === '/' ? `/${rel}` : `${parent}/${rel}`
const byName = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** Summarises the HBase cluster whose zookeeper.znode.parent is `parent`. */
export async function summarizeHBase (reader: HBaseTreeReader, parent = '/hbase'): Promise<HBaseSummary> {
  const base = parent.length > 1 ? parent.replace(/\/+$/, '') : parent
  const problems: SummaryProblem[] = []

  /** Reads and decodes rel; null when it is missing or unreadable (the latter recorded). */
  const view = async (rel: string): Promise<HBaseView | null> => {
    const path = join(base, rel)
    let data: Uint8Array | null
    try {
      data = await reader.getData(path)
    } catch (err) {
      if (!(err instanceof ZnodeReadError)) throw err
      problems.push({ path, kind: 'unreadable', reason: err.message })
      return null
    }
    if (data === null) return null
    const v = decodeHBaseZnode(rel, data)
    if (v.kind === 'invalid' || v.kind === 'unknown') problems.push({ path, kind: v.kind, reason: v.reason })
    return v
  }
  const children = async (rel: string): Promise<string[]> => {
    try {
      return (await reader.getChildren(join(base, rel))).sort(byName)
    } catch (err) {
      if (!(err instanceof ZnodeReadError)) throw err
      problems.push({ path: join(base, rel), kind: 'unreadable', reason: err.message })
      return []
    }
  }
  // An intersection, not Extract: MasterView's kind is itself a union.
  const kindOf = <K extends HBaseView['kind']>(v: HBaseView | null, ...kinds: K[]): (HBaseView & { kind: K }) | null =>
    v !== null && (kinds as string[]).includes(v.kind) ? v as HBaseView & { kind: K } : null
  const each = async <T>(names: string[], fn: (name: string) => Promise<T>): Promise<T[]> => Promise.all(names.map(fn))

  const rootData = await reader.getData(base).catch((err: unknown) => {
    if (err instanceof ZnodeReadError) { problems.push({ path: base, kind: 'unreadable', reason: err.message }); return new Uint8Array(0) }
    throw err
  })
  const top = rootData === null ? [] : await children('')

  const [master, clusterId, running, backupNames, rsNames, drainingNames, peerIds, tableNames, nsNames] = await Promise.all([
    view('master'), view('hbaseid'), view('running'),
    children('backup-masters'), children('rs'), children('draining'),
    children('replication/peers'), children('table'), children('namespace')
  ])

  const backups = (await each(backupNames, (n) => view(`backup-masters/${n}`)))
    .flatMap((v): MasterView[] => v?.kind === 'backup-master' ? [v] : [])
  const rsViews = await each(rsNames, async (n) => ({ n, v: await view(`rs/${n}`) }))
  const draining = drainingNames.map((n) => decodeHBaseZnode(`draining/${n}`, null))
    .flatMap((v) => v.kind === 'draining' && v.server !== null ? [v.server] : [])
  const drainingNamesSet = new Set(drainingNames)
  const regionServers: RegionServerSummary[] = rsViews.map(({ n, v }) => {
    const rs = kindOf(v, 'region-server')
    return {
      server: rs?.server ?? null,
      znode: n,
      infoPort: rs?.infoPort ?? null,
      version: rs?.versionInfo ?? null,
      draining: drainingNamesSet.has(n)
    }
  })

  const liveRs = new Set(rsNames)
  const metaNames = top.filter((n) => /^meta-region-server(-\d+)?$/.test(n))
  const meta = (await each(metaNames, (n) => view(n)))
    .flatMap((v): MetaRegionServerView[] => v?.kind === 'meta-region-server' ? [v] : [])
    .sort((a, b) => a.replicaId - b.replicaId)
    .map((m) => ({ replicaId: m.replicaId, server: m.server, state: m.state, onLiveServer: liveRs.has(m.server.name) }))

  const switchOf = async (rel: string): Promise<SwitchState> => {
    const v = await view(rel)
    if (v === null) return { enabled: true, znode: false }
    return { enabled: 'enabled' in v && typeof v.enabled === 'boolean' ? v.enabled : false, znode: true }
  }
  const [balancer, normalizer, split, merge, snapshotCleanup] = await Promise.all([
    switchOf('balancer'), switchOf('normalizer'), switchOf('switch/split'), switchOf('switch/merge'), switchOf('snapshot-cleanup')
  ])

  const replicationPeers = (await each(peerIds, async (id) => {
    const [p, s] = await Promise.all([view(`replication/peers/${id}`), view(`replication/peers/${id}/peer-state`)])
    const peer = kindOf(p, 'replication-peer')
    return peer === null ? null : peerSummary(peer, kindOf(s, 'replication-peer-state')?.enabled ?? null)
  })).filter((p): p is ReplicationPeerSummary => p !== null)

  const tables = (await each(tableNames, (n) => view(`table/${n}`)))
    .flatMap((v) => v?.kind === 'table-state' ? [{ table: v.table, state: v.state }] : [])

  const runningView = kindOf(running, 'running')
  return {
    parent: base,
    exists: rootData !== null,
    clusterId: kindOf(clusterId, 'cluster-id')?.clusterId ?? null,
    clusterUp: running !== null,
    startDate: runningView?.startDate ?? null,
    activeMaster: kindOf(master, 'master'),
    backupMasters: backups,
    regionServers,
    draining,
    meta,
    switches: { balancer, normalizer, split, merge, snapshotCleanup },
    replicationPeers,
    tables,
    namespaces: nsNames,
    problems
  }
}

function peerSummary (p: ReplicationPeerView, enabled: boolean | null): ReplicationPeerSummary {
  return {
    peerId: p.peerId,
    clusterKey: p.clusterKey,
    enabled,
    replicateAll: p.replicateAll,
    serial: p.serial,
    bandwidth: p.bandwidth,
    tableCfs: p.tableCfs,
    excludeTableCfs: p.excludeTableCfs,
    namespaces: p.namespaces,
    excludeNamespaces: p.excludeNamespaces
  }
}
