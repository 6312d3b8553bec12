// Parsing one dump line, strictly: anything unexpected is a reason string,
// never a half-read record, so a garbled file is refused before any write.

import type { ACL } from '../engine/types'
import { DUMP_FORMAT, DUMP_VERSION, type DumpEnd, type DumpHeader, type DumpStat, type ZnodeKind, type ZnodeRecord } from './format'

/** Thrown with the reason only; the file reader adds file and line. */
export class LineError extends Error {
  override name = 'LineError'
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const HEX64 = /^0x[0-9a-f]{1,16}$/
const KINDS: readonly ZnodeKind[] = ['persistent', 'ephemeral', 'container', 'ttl']

function json (line: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch (err) {
    throw new LineError(`not a JSON line (${(err as Error).message})`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new LineError('not a JSON object')
  return v as Record<string, unknown>
}

function str (o: Record<string, unknown>, key: string): string {
  const v = o[key]
  if (typeof v !== 'string') throw new LineError(`"${key}" must be a string`)
  return v
}

function int (o: Record<string, unknown>, key: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new LineError(`"${key}" must be an integer`)
  return v
}

function hex (o: Record<string, unknown>, key: string): string {
  const v = str(o, key)
  if (!HEX64.test(v)) throw new LineError(`"${key}" must be a 64-bit hex number ("0x…")`)
  return v
}

export function parseHeader (line: string): DumpHeader {
  const o = json(line)
  if (o.format !== DUMP_FORMAT) throw new LineError(`not a redkeeper dump (the first line must have "format":"${DUMP_FORMAT}")`)
  const version = o.version
  if (version !== DUMP_VERSION) {
    throw new LineError(`unknown dump version ${JSON.stringify(version)} (this redkeeper reads version ${DUMP_VERSION})`)
  }
  return { format: DUMP_FORMAT, version, source: str(o, 'source'), created: str(o, 'created'), zxid: hex(o, 'zxid'), tool: str(o, 'tool') }
}

/** A znode line, or the end line. */
export function parseBodyLine (line: string): ZnodeRecord | DumpEnd {
  const o = json(line)
  if (o.end === true) return { end: true, znodes: int(o, 'znodes'), zxid: hex(o, 'zxid') }
  const path = str(o, 'path')
  if (!path.startsWith('/') || (path !== '/' && (path.endsWith('/') || path.includes('//') || path.includes('\0')))) {
    throw new LineError(`"path" ${JSON.stringify(path)} is not a znode path`)
  }
  const rawData = o.data
  let data: Buffer | null
  if (rawData === null) data = null
  else if (typeof rawData === 'string' && BASE64.test(rawData) && rawData.length % 4 === 0) data = Buffer.from(rawData, 'base64')
  else throw new LineError('"data" must be null or base64')
  const kind = o.kind
  if (typeof kind !== 'string' || !KINDS.includes(kind as ZnodeKind)) throw new LineError(`"kind" must be one of ${KINDS.join(', ')}`)
  const rec: ZnodeRecord = { path, data, acl: parseAcl(o.acl), kind: kind as ZnodeKind, stat: parseStat(o.stat) }
  if (kind === 'ttl') rec.ttl = int(o, 'ttl')
  return rec
}

function parseAcl (v: unknown): ACL[] {
  if (!Array.isArray(v) || v.length === 0) throw new LineError('"acl" must be a non-empty list')
  return v.map((a: unknown) => {
    if (a === null || typeof a !== 'object') throw new LineError('"acl" entries must be objects')
    const o = a as Record<string, unknown>
    const perms = int(o, 'perms')
    if (perms < 0 || perms > 31) throw new LineError(`ACL perms ${perms} out of range (0-31)`)
    return { perms, id: { scheme: str(o, 'scheme'), id: str(o, 'id') } }
  })
}

function parseStat (v: unknown): DumpStat {
  if (v === null || typeof v !== 'object') throw new LineError('"stat" must be an object')
  const o = v as Record<string, unknown>
  return {
    czxid: hex(o, 'czxid'),
    mzxid: hex(o, 'mzxid'),
    pzxid: hex(o, 'pzxid'),
    ctime: int(o, 'ctime'),
    mtime: int(o, 'mtime'),
    version: int(o, 'version'),
    cversion: int(o, 'cversion'),
    aversion: int(o, 'aversion'),
    ephemeralOwner: hex(o, 'ephemeralOwner'),
    dataLength: int(o, 'dataLength'),
    numChildren: int(o, 'numChildren')
  }
}
