// Shared by the transfer tests: run the CLI as a real process, build a
// realistic tree on any server with pipelined creates, and walk a tree with
// an independent reader (not the code under test) to compare two servers.

import { createHash, randomBytes } from 'node:crypto'
import { CreateFlag, Err, OpCode } from '../../src/engine/codes'
import type { ACL } from '../../src/engine/types'
import { ZkClient, type Reply } from '../../src/client'
import { runCli, type CliRun } from '../support/cli'

export type Run = CliRun

/** `redkeeper <args>` as a real process, to completion. */
export function cli (args: string[], timeoutMs = 50_000): Promise<CliRun> {
  return runCli(args, { timeoutMs })
}

export function digestId (user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`
}

export const ADMIN = { user: 'admin', password: 'admin-secret' }
export const ADMIN_AUTH = `digest:${ADMIN.user}:${ADMIN.password}`
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const ADMIN_ONLY: ACL[] = [{ perms: 31, id: { scheme: 'digest', id: digestId(ADMIN.user, ADMIN.password) } }]
const ADMIN_WORLD_READ: ACL[] = [...ADMIN_ONLY, { perms: 1, id: { scheme: 'world', id: 'anyone' } }]

interface Op { path: string, data: Buffer | null, acl?: ACL[], flags?: number, container?: boolean }

/** What the builder made, for assertions. */
export interface Built {
  /** znodes created (ephemerals included), /zookeeper and / excluded */
  znodes: number
  ephemerals: number
  /** the owner session: keep it open while the ephemerals must exist */
  client: ZkClient
}

/**
 * An HBase-like tree (ephemeral master and region servers, tables, WAL
 * queues), a wide part, a deep part, a digest-protected part (admin only,
 * and admin + world read), sequential queues with gaps, locks (persistent and
 * ephemeral sequential), null / empty / binary / large data, a container;
 * topped up with /bulk to exactly `total` znodes.
 */
export async function buildTree (address: string, total: number): Promise<Built> {
  const client = await ZkClient.connect(address, { timeout: 30000 })
  const auth = await client.auth('digest', Buffer.from(`${ADMIN.user}:${ADMIN.password}`))
  if (auth.err !== Err.OK) throw new Error(`addauth failed: ${auth.err}`)
  const ops: Op[] = []
  const add = (path: string, data: Buffer | null = Buffer.from(path), extra: Partial<Op> = {}): void => { ops.push({ path, data, ...extra }) }
  const eph = CreateFlag.EPHEMERAL
  const pseq = CreateFlag.PERSISTENT_SEQUENTIAL

  add('/hbase', Buffer.alloc(0))
  add('/hbase/hbaseid', Buffer.from('PBUF\n$6f1f3c1e-7f7e-4a52-9d1b-5e1a6d2f0a11'))
  add('/hbase/master', Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0x14]), randomBytes(40)]), { flags: eph })
  add('/hbase/backup-masters', null)
  add('/hbase/meta-region-server', Buffer.concat([Buffer.from([0xff, 0, 0, 0]), randomBytes(60)]))
  add('/hbase/rs', null)
  for (let i = 0; i < 40; i++) add(`/hbase/rs/rs${i}.example.com,16020,1700000000${String(i).padStart(3, '0')}`, randomBytes(30), { flags: eph })
  add('/hbase/table', null)
  add('/hbase/namespace', null)
  for (const ns of ['default', 'hbase']) add(`/hbase/namespace/${ns}`, Buffer.from(`PBUF ${ns}`))
  for (let i = 0; i < 150; i++) add(`/hbase/table/t${i}`, Buffer.from([0xff, 0, 0, 0, 8, i % 256]))
  add('/hbase/region-in-transition', null)
  add('/hbase/region-in-transition/1588230740', Buffer.from('meta'))
  add('/hbase/splitWAL', null)
  for (let i = 0; i < 200; i++) add(`/hbase/splitWAL/WALs%2Frs${i % 40}%2C16020%2C1700000000000-splitting%2Frs.${1700000000000 + i}`, Buffer.alloc(0))
  add('/hbase/replication', null)
  add('/hbase/replication/peers', null)
  add('/hbase/replication/peers/1', Buffer.from('PBUF peer cluster zk1:2181:/hbase'))
  add('/hbase/replication/peers/1/peer-state', Buffer.from('ENABLED'))
  add('/hbase/replication/rs', null)
  for (let r = 0; r < 10; r++) {
    add(`/hbase/replication/rs/rs${r}.example.com,16020,1700000000000`, null)
    add(`/hbase/replication/rs/rs${r}.example.com,16020,1700000000000/1`, null)
    for (let w = 0; w < 30; w++) add(`/hbase/replication/rs/rs${r}.example.com,16020,1700000000000/1/rs${r}.${1700000000000 + w}`, Buffer.from(String(w * 1000)))
  }
  add('/hbase/flush-table-proc', null)
  add('/hbase/flush-table-proc/acquired', null)

  add('/wide', Buffer.from('wide'))
  for (let i = 0; i < 2500; i++) add(`/wide/w${i}`, Buffer.from(`v${i}`))

  add('/deep', null)
  let deep = '/deep'
  for (let d = 0; d < 100; d++) {
    deep += `/d${d}`
    add(deep, Buffer.from(String(d)))
    if (d % 10 === 0) add(`${deep}-sibling`, Buffer.alloc(0))
  }

  add('/secure', Buffer.from('locked'), { acl: ADMIN_WORLD_READ })
  for (let i = 0; i < 300; i++) add(`/secure/s${i}`, Buffer.from(`secret ${i}`), { acl: i % 2 === 0 ? ADMIN_ONLY : ADMIN_WORLD_READ })
  add('/secure/s0/inner', Buffer.from('deeper secret'), { acl: ADMIN_ONLY })

  add('/queue', null)
  for (let i = 0; i < 400; i++) add('/queue/item-', Buffer.from(`job ${i}`), { flags: pseq })
  add('/locks', null)
  for (let i = 0; i < 50; i++) add('/locks/lock-', null, { flags: pseq })
  for (let i = 0; i < 10; i++) add('/locks/ephemeral-lock-', null, { flags: CreateFlag.EPHEMERAL_SEQUENTIAL })

  add('/data', null)
  add('/data/null', null)
  add('/data/empty', Buffer.alloc(0))
  add('/data/binary', randomBytes(1000))
  add('/data/large', randomBytes(400 * 1024))
  add('/containers', null, { container: true })
  add('/containers/member', Buffer.from('keeps the container alive'))

  // The queue loses a third of its items: its counter runs ahead of its child count.
  const queueDeletes = 130
  const fixed = ops.length - queueDeletes
  if (fixed > total) throw new Error(`the fixed shape already has ${fixed} znodes, more than ${total}`)
  let left = total - fixed
  for (let g = 0; left > 0; g++) {
    add(`/bulk/g${g}`, Buffer.from(`group ${g}`))
    left--
    if (g === 0) {
      ops.splice(ops.length - 1, 0, { path: '/bulk', data: null })
      left--
    }
    for (let j = 0; j < 100 && left > 0; j++, left--) add(`/bulk/g${g}/n${j}`, randomBytes(20 + (j % 50)))
  }

  await pipeline(ops.map((op) => () => client.request(createOf(op))), 'create')
  const names = (await client.request({ type: OpCode.getChildren, path: '/queue', watch: false })).body?.children ?? []
  await pipeline(names.sort().filter((_, i) => i % 3 === 1).slice(0, queueDeletes).map((n) => () => client.request({ type: OpCode.delete, path: `/queue/${n}`, version: -1 })), 'delete')
  const ephemerals = ops.filter((o) => ((o.flags ?? 0) & CreateFlag.EPHEMERAL) !== 0).length
  return { znodes: ops.length - queueDeletes, ephemerals, client }
}

function createOf (op: Op): Parameters<ZkClient['request']>[0] {
  const base = { path: op.path, data: op.data, dataLength: op.data?.length ?? 0, acl: op.acl ?? OPEN }
  if (op.container === true) return { type: OpCode.createContainer, ...base, flags: CreateFlag.CONTAINER }
  return { type: OpCode.create, ...base, flags: op.flags ?? 0 }
}

async function pipeline (calls: Array<() => Promise<Reply>>, what: string, window = 500): Promise<void> {
  let i = 0
  const worker = async (): Promise<void> => {
    while (i < calls.length) {
      const r = await calls[i++]()
      if (r.err !== Err.OK) throw new Error(`${what} failed: ${r.err}`)
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
}

/** Owned by a session: standalone servers' session ids are positive; 0 is persistent, container and TTL markers are negative. */
function isEphemeralOwner (owner: number): boolean {
  return owner > 0
}

export interface Seen {
  data: string | null
  acl: string
  children: string[]
  ephemeral: boolean
}

/**
 * Every znode (but /zookeeper) with data, ACL and child names, read level by
 * level. `auth` reads the digest-protected part.
 */
export async function walk (address: string, auth?: string): Promise<Map<string, Seen>> {
  const c = await ZkClient.connect(address, { timeout: 30000 })
  try {
    if (auth !== undefined) await c.auth('digest', Buffer.from(auth.replace(/^digest:/, '')))
    const out = new Map<string, Seen>()
    let level = ['/']
    while (level.length > 0) {
      const next: string[] = []
      await Promise.all(level.map(async (p) => {
        const [d, a, ch] = await Promise.all([
          c.request({ type: OpCode.getData, path: p, watch: false }),
          c.request({ type: OpCode.getACL, path: p }),
          c.request({ type: OpCode.getChildren, path: p, watch: false })
        ])
        if (d.err !== Err.OK || a.err !== Err.OK || ch.err !== Err.OK) throw new Error(`walk ${p} on ${address}: ${d.err}/${a.err}/${ch.err}`)
        const children = (ch.body?.children ?? []).filter((n) => !(p === '/' && n === 'zookeeper')).sort()
        const data = d.body?.data
        out.set(p, {
          data: data === null || data === undefined ? null : Buffer.from(data).toString('base64'),
          acl: JSON.stringify(a.body?.acl),
          children,
          ephemeral: isEphemeralOwner(d.body?.stat?.ephemeralOwner ?? 0)
        })
        for (const n of children) next.push(p === '/' ? `/${n}` : `${p}/${n}`)
      }))
      level = next
    }
    return out
  } finally {
    await c.close().catch(() => c.destroy())
  }
}

/** The source as an import without ephemerals must leave it: ephemerals gone from the tree and their parents' child lists. */
export function withoutEphemerals (tree: Map<string, Seen>): Map<string, Seen> {
  const out = new Map<string, Seen>()
  for (const [p, s] of tree) {
    if (s.ephemeral) continue
    const base = p === '/' ? '/' : p + '/'
    out.set(p, { ...s, children: s.children.filter((n) => tree.get(base + n)?.ephemeral !== true) })
  }
  return out
}

/** Paths that differ between two walks (first `limit`), and how. */
export function differences (a: Map<string, Seen>, b: Map<string, Seen>, limit = 5): string[] {
  const out: string[] = []
  for (const [p, s] of a) {
    const o = b.get(p)
    if (o === undefined) out.push(`${p}: missing on the target`)
    else {
      if (s.data !== o.data) out.push(`${p}: data differs`)
      if (s.acl !== o.acl) out.push(`${p}: ACL ${s.acl} vs ${o.acl}`)
      if (s.children.join('/') !== o.children.join('/')) out.push(`${p}: children differ (${s.children.length} vs ${o.children.length})`)
    }
    if (out.length >= limit) return out
  }
  for (const p of b.keys()) {
    if (!a.has(p)) out.push(`${p}: only on the target`)
    if (out.length >= limit) break
  }
  return out
}

/**
 * A real ZooKeeper 3.8 with `total` znodes in a realistic shape, imported
 * live into `target` by the shipped command; returns what the test checks.
 */
export async function liveImport (zkAddress: string, target: string, total: number): Promise<{ run: Run, seconds: number, source: Map<string, Seen>, copy: Map<string, Seen>, built: Built }> {
  const built = await buildTree(zkAddress, total)
  const started = process.hrtime.bigint()
  const run = await cli(['import', '--from', `zk://${zkAddress}`, '--from-auth', ADMIN_AUTH, '--server', target])
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const [source, copy] = await Promise.all([walk(zkAddress, ADMIN_AUTH), walk(target, ADMIN_AUTH)])
  return { run, seconds, source, copy, built }
}
