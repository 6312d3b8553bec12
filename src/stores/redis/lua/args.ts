/** @noSelfInFile */
// FCALL argument checks. Callers are our own client, but FCALL is open to
// anyone with access to Redis: malformed arguments must fail with a clear
// error before anything is written.

import type { EngineOptions } from '../../../engine/execute'
import type { Context, Request } from '../../../engine/types'

function table(arg: string | undefined, what: string): Record<string, unknown> {
  if (arg === undefined) return error('redkeeper: missing ' + what)
  const v = cmsgpack.unpack(arg)
  if (typeof v !== 'object') return error('redkeeper: ' + what + ' is not a MessagePack map')
  return v as Record<string, unknown>
}

export function context(arg: string | undefined): Context {
  const c = table(arg, 'context')
  if (typeof c.session !== 'number' || typeof c.now !== 'number' || typeof c.auth !== 'object') {
    return error('redkeeper: context needs numbers session and now, and an auth list')
  }
  return c as unknown as Context
}

export function request(arg: string | undefined): Request {
  const r = table(arg, 'request')
  if (typeof r.type !== 'number') return error('redkeeper: request needs a numeric type')
  return r as unknown as Request
}

export function text(arg: string | undefined, what: string): string {
  if (arg === undefined) return error('redkeeper: missing ' + what)
  return arg
}

export function numberArg(arg: string | undefined, what: string): number {
  const n = tonumber(text(arg, what))
  if (n === undefined) return error('redkeeper: ' + what + ' is not a number: ' + arg)
  return n
}

/** An integer in the range doubles hold exactly: ids, xids, seqs, times. */
export function integerArg(arg: string | undefined, what: string): number {
  const n = numberArg(arg, what)
  if (n % 1 !== 0 || n > 9007199254740991 || n < -9007199254740991) {
    return error('redkeeper: ' + what + ' is not an integer below 2^53: ' + arg)
  }
  return n
}

export function prefix(keys: string[]): string {
  const ns = keys[0]
  if (ns === undefined || ns === '') return error('redkeeper: FCALL needs the namespace key, e.g. {rk}')
  return ns
}

/**
 * The engine options flag argument: a decimal bitmask, 1 extendedTypes,
 * 2 enforceQuota ("1"/"0" as older callers send it still mean extendedTypes).
 */
export function engineOptions(arg: string | undefined): EngineOptions {
  const n = arg === undefined ? 0 : tonumber(arg)
  if (n === undefined || n < 0 || n % 1 !== 0) return error('redkeeper: bad engine options ' + (arg as string))
  return { extendedTypes: n % 2 === 1, enforceQuota: Math.floor(n / 2) % 2 === 1 }
}
