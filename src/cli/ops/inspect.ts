// Inspection commands over the REST inspection routes: sessions and
// hbase status (GET /v1/sessions, GET /v1/hbase?parent=...).

import { UsageError } from '../errors'
import { opCommand, printJson } from './op'
import { intFlag, noMoreThan, str, znodePath } from './options'
import { table } from './format'

interface SessionRow { id: string, timeout: number, expiresAt: number | string, ephemerals: number, watches: number }

function when (at: number | string): string {
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? String(at) : d.toISOString()
}

export const sessionsCommand = opCommand({
  name: 'sessions',
  summary: 'list the live ZooKeeper sessions (timeout, expiry, ephemerals, watches)',
  help: `Usage: redkeeper sessions [id] [--limit n] [--json]

Lists the server's (or the node's Redis store's) live sessions: a table of
ID TIMEOUT EXPIRES EPHEMERALS WATCHES. A note on stderr says when the list
was cut at --limit. With a session id (0x...): its ephemeral znodes and
watched paths. Needs the super identity (--user super:<password>, or a
token acting as super:).

Options:
  --limit <n>             at most n sessions (default 1000, at most 10000)
`,
  spec: { strings: ['limit'] },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const id = args.positionals[0]
    if (id !== undefined) {
      if (!/^0x[0-9a-fA-F]{1,16}$/.test(id)) throw new UsageError(`session id '${id}' is not 0x followed by 1 to 16 hex digits`)
      const d = await api.call('GET', '/v1/sessions/' + id) as SessionDetail
      if (json) return printJson(io, d)
      io.out(formatSession(d))
      return
    }
    const limit = intFlag(args, 'limit', 1)
    if (limit !== undefined && limit > 10_000) throw new UsageError('--limit is at most 10000')
    const r = await api.call('GET', '/v1/sessions', limit === undefined ? {} : { query: { limit } }) as { sessions: SessionRow[], truncated: boolean }
    if (json) return printJson(io, r)
    io.out(table(['ID', 'TIMEOUT', 'EXPIRES', 'EPHEMERALS', 'WATCHES'],
      r.sessions.map((s) => [s.id, `${s.timeout} ms`, when(s.expiresAt), String(s.ephemerals), String(s.watches)])))
    if (r.truncated) io.err(`redkeeper: the server listed ${r.sessions.length} sessions and left the rest out\n`)
  }
})

interface SessionDetail { id: string, timeout: number, expiresAt: number | string, ephemerals: string[], watches: Record<string, string[]> }

function formatSession (d: SessionDetail): string {
  const lines = [`session:     ${d.id}`, `timeout:     ${d.timeout} ms`, `expires:     ${when(d.expiresAt)}`, `ephemerals:  ${d.ephemerals.length}`]
  for (const p of d.ephemerals) lines.push(`  ${p}`)
  for (const [kind, paths] of Object.entries(d.watches)) {
    lines.push(`${(kind + ' watches:').padEnd(12)} ${paths.length}`)
    for (const p of paths) lines.push(`  ${p}`)
  }
  return lines.join('\n') + '\n'
}

interface ServerName { name: string }
interface HBaseSummaryReply {
  parent: string
  exists: boolean
  clusterId: string | null
  clusterUp: boolean
  startDate: string | null
  activeMaster: { server: ServerName } | null
  backupMasters: Array<{ server: ServerName }>
  regionServers: Array<{ znode: string, server: ServerName | null, draining: boolean }>
  draining: ServerName[]
  meta: Array<{ replicaId: number, server: ServerName, state: string, onLiveServer: boolean }>
  switches: Record<string, { enabled: boolean }>
  replicationPeers: Array<{ peerId: string, clusterKey: string | null, enabled: boolean | null }>
  tables: Array<{ table: string, state: string }>
  namespaces: string[]
  problems: Array<{ path: string, kind: string, reason: string }>
}

/** The summary as a few labelled lines, HBase's `status`-like. */
export function formatHBase (s: HBaseSummaryReply): string {
  if (!s.exists) return `no HBase znodes under ${s.parent}\n`
  const lines = [
    `parent:          ${s.parent}`,
    `cluster id:      ${s.clusterId ?? '-'}`,
    `cluster up:      ${s.clusterUp ? `yes${s.startDate !== null ? ` (since ${s.startDate})` : ''}` : 'no'}`,
    `active master:   ${s.activeMaster?.server.name ?? '-'}`,
    `backup masters:  ${s.backupMasters.length === 0 ? '-' : s.backupMasters.map((m) => m.server.name).join(', ')}`,
    `region servers:  ${s.regionServers.length}${s.regionServers.length === 0 ? '' : ': ' + s.regionServers.map((r) => (r.server?.name ?? r.znode) + (r.draining ? ' (draining)' : '')).join(', ')}`,
    `meta:            ${s.meta.length === 0 ? '-' : s.meta.map((m) => `replica ${m.replicaId} on ${m.server.name} ${m.state}${m.onLiveServer ? '' : ' (server not live)'}`).join('; ')}`,
    `switches:        ${Object.entries(s.switches).map(([k, v]) => `${k} ${v.enabled ? 'on' : 'off'}`).join(', ')}`,
    `replication:     ${s.replicationPeers.length === 0 ? '-' : s.replicationPeers.map((p) => `${p.peerId} → ${p.clusterKey ?? '?'}${p.enabled === false ? ' (disabled)' : ''}`).join(', ')}`,
    `namespaces:      ${s.namespaces.length === 0 ? '-' : s.namespaces.join(', ')}`
  ]
  for (const p of s.problems) lines.push(`problem:         ${p.path}: ${p.kind}: ${p.reason}`)
  return lines.join('\n') + '\n'
}

export const hbaseCommand = opCommand({
  name: 'hbase',
  summary: 'hbase status: the HBase cluster its znodes describe',
  help: `Usage: redkeeper hbase status [--parent /hbase] [--json]

Summarises the HBase cluster whose zookeeper.znode.parent is --parent
(default /hbase): cluster id, masters, region servers, meta location,
switches, replication peers. Znodes that cannot be decoded are listed as
problems.

Options:
  --parent <path>         HBase's zookeeper.znode.parent (default /hbase)
`,
  spec: { strings: ['parent'] },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    if (args.positionals[0] !== 'status') throw new UsageError(args.positionals[0] === undefined ? 'missing subcommand (hbase status)' : `unknown subcommand 'hbase ${args.positionals[0]}' (hbase status)`)
    const parent = znodePath(str(args, 'parent') ?? '/hbase', '--parent')
    const r = await api.call('GET', '/v1/hbase', { query: { parent } }) as HBaseSummaryReply
    if (json) printJson(io, r)
    else io.out(formatHBase(r))
  }
})
