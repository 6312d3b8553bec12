// Decoding one protobuf with HBase's definitions into a plain object, plus
// small typed readers for its fields. Garbled input is a value, not a throw;
// a missing .proto installation still throws (HBaseProtoUnavailableError).

import { HBaseProtoUnavailableError, hbaseType } from './proto'
import { serverNameView, type ServerNameView } from './server-name'

export type PbObject = Record<string, unknown>
export type PbResult = { ok: true, value: PbObject } | { ok: false, reason: string }

export function decodePb (typeName: string, bytes: Uint8Array): PbResult {
  const type = hbaseType(typeName)
  try {
    // longs as decimal strings (uint64 start codes), enums by name, bytes as base64.
    const value = type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String }) as PbObject
    return { ok: true, value }
  } catch (err) {
    if (err instanceof HBaseProtoUnavailableError) throw err
    return { ok: false, reason: `${typeName.replace(/^hbase\.pb\./, '')}: ${(err as Error).message}` }
  }
}

/** A field that protobuf decoding produced with an unusable value (e.g. a start code beyond 2^53). */
export class FieldError extends Error {}

export const str = (o: PbObject, k: string): string | null => typeof o[k] === 'string' ? o[k] : null
export const bool = (o: PbObject, k: string): boolean | null => typeof o[k] === 'boolean' ? o[k] : null
export const obj = (o: PbObject, k: string): PbObject | null =>
  typeof o[k] === 'object' && o[k] !== null && !Array.isArray(o[k]) ? o[k] as PbObject : null
export const list = (o: PbObject, k: string): unknown[] => Array.isArray(o[k]) ? o[k] : []

/** A numeric field (32-bit ints arrive as numbers, 64-bit ones as strings); throws FieldError when not a safe integer. */
export function int (o: PbObject, k: string): number | null {
  const v = o[k]
  if (v === undefined || v === null) return null
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new FieldError(`${k} ${String(v)} is not a safe integer`)
  return n
}

export const utf8OfBase64 = (b64: unknown): string => typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : ''

/** HBaseProtos.ServerName → view (host_name is required, so decoding already checked it). */
export function serverOf (o: PbObject | null): ServerNameView {
  if (o === null) throw new FieldError('no ServerName')
  const host = str(o, 'host_name')
  if (host === null) throw new FieldError('ServerName without host_name')
  return serverNameView(host, int(o, 'port') ?? 0, int(o, 'start_code') ?? 0)
}

/** HBaseProtos.TableName → "ns:qualifier", or "qualifier" in the default namespace (TableName.toString). */
export function tableNameOf (o: PbObject | null): string {
  if (o === null) return ''
  const ns = utf8OfBase64(o.namespace)
  const q = utf8OfBase64(o.qualifier)
  return ns === '' || ns === 'default' ? q : `${ns}:${q}`
}
