// Znode data in JSON. ZooKeeper data is bytes; JSON carries strings, so every
// data field travels with its encoding: "text" (UTF-8) or "base64". Reads
// default to "auto" (text when the bytes are valid UTF-8, base64 otherwise,
// the reply saying which). null data (jute length -1) stays null, distinct
// from "" (empty).

import type { Data } from '../engine/types'
import { ApiError, badArguments } from './errors'

export type ReadEncoding = 'auto' | 'text' | 'base64'
export type WriteEncoding = 'text' | 'base64'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function asText (data: Uint8Array): string | undefined {
  try {
    return utf8.decode(data)
  } catch {
    return undefined
  }
}

/** Bytes → JSON string. "text" on bytes that are not UTF-8 is 422 NOTUTF8 (nothing is replaced silently). */
export function encodeData (data: Data, encoding: ReadEncoding, path: string): { data: string | null, encoding: WriteEncoding } {
  if (data === null) return { data: null, encoding: encoding === 'base64' ? 'base64' : 'text' }
  if (encoding === 'base64') return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), encoding }
  const text = asText(data)
  if (text !== undefined) return { data: text, encoding: 'text' }
  if (encoding === 'text') throw new ApiError(422, 'NOTUTF8', `the data of ${path} is not valid UTF-8; ask for encoding=base64`)
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), encoding: 'base64' }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** JSON string → bytes; strict base64 (a typo must not store garbage). */
export function decodeData (data: string | null | undefined, encoding: WriteEncoding): Data {
  if (data === null || data === undefined) return null
  if (encoding === 'text') return Buffer.from(data, 'utf8')
  if (!BASE64.test(data)) throw badArguments('data is not valid base64 (RFC 4648, padded)')
  return Buffer.from(data, 'base64')
}
