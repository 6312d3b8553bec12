// The dump file: JSON Lines, streamable both ways. Line 1 is a header, then
// one line per znode in breadth-first (so parent-before-child) order, then an
// end line carrying the count, which is how a file cut at a line boundary is
// told apart from a complete one. See docs/transfer.md for the full format.

import type { ACL } from '../engine/types'

export const DUMP_FORMAT = 'redkeeper-tree'
export const DUMP_VERSION = 1

export interface DumpHeader {
  format: typeof DUMP_FORMAT
  version: number
  /** where the tree was read, e.g. "zk://127.0.0.1:2181/hbase" */
  source: string
  /** ISO time the export started */
  created: string
  /** the highest zxid the reader had seen when the walk started, "0x…" */
  zxid: string
  /** the program that wrote the file */
  tool: string
}

/**
 * What a znode is, from its ephemeralOwner (ZooKeeper's EphemeralType):
 * 0 persistent; Long.MIN_VALUE container; 0xFF in the top byte TTL (the
 * low bytes hold the TTL in ms); anything else the owning session.
 */
export type ZnodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl'

/** The source's Stat. Kept for the record only: the client protocol cannot set any of it on the target. */
export interface DumpStat {
  czxid: string
  mzxid: string
  pzxid: string
  ctime: number
  mtime: number
  version: number
  cversion: number
  aversion: number
  /** the exact 64-bit value, "0x…" (session ids do not fit a JSON number) */
  ephemeralOwner: string
  dataLength: number
  numChildren: number
}

export interface ZnodeRecord {
  /** relative to the exported root: "/" is the root itself */
  path: string
  /** null and empty are different znodes in ZooKeeper and stay different here */
  data: Buffer | null
  acl: ACL[]
  kind: ZnodeKind
  /** ms, for kind "ttl" */
  ttl?: number
  stat: DumpStat
}

export interface DumpEnd {
  end: true
  /** znode lines written */
  znodes: number
  /** the highest zxid the reader had seen when the walk ended */
  zxid: string
}

export function hex64 (v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16)
}

const CONTAINER_OWNER = -(2n ** 63n)
const TTL_MASK = 0xff00000000000000n

/** ZooKeeper's EphemeralType, decided from the signed 64-bit ephemeralOwner. */
export function kindOf (owner: bigint): { kind: ZnodeKind, ttl?: number } {
  if (owner === 0n) return { kind: 'persistent' }
  if (owner === CONTAINER_OWNER) return { kind: 'container' }
  const u = BigInt.asUintN(64, owner)
  if ((u & TTL_MASK) === TTL_MASK) return { kind: 'ttl', ttl: Number(u & ~TTL_MASK) }
  return { kind: 'ephemeral' }
}

export function headerLine (h: DumpHeader): string {
  return JSON.stringify(h) + '\n'
}

export function endLine (e: DumpEnd): string {
  return JSON.stringify(e) + '\n'
}

export function znodeLine (z: ZnodeRecord): string {
  const line: Record<string, unknown> = {
    path: z.path,
    data: z.data === null ? null : z.data.toString('base64'),
    acl: z.acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id })),
    kind: z.kind
  }
  if (z.kind === 'ephemeral') line.ephemeral = true
  if (z.ttl !== undefined) line.ttl = z.ttl
  line.stat = z.stat
  return JSON.stringify(line) + '\n'
}
