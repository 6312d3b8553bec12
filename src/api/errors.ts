// REST errors: a ZooKeeper error name (and its numeric code) where one
// applies, mapped to the HTTP status a REST client expects. Every error body
// is { error, code?, message }.

import { Err } from '../engine/codes'

export interface ApiErrorBody {
  /** ZooKeeper's KeeperException.Code name (NONODE, NOAUTH, …) or an HTTP-only name (AUTHREQUIRED, NOTUTF8, UNAVAILABLE) */
  error: string
  /** ZooKeeper's numeric code, when `error` is one of ZooKeeper's */
  code?: number
  message: string
}

export class ApiError extends Error {
  override name = 'ApiError'
  constructor (readonly status: number, readonly error: string, message: string, readonly code?: number) {
    super(message)
  }

  get body (): ApiErrorBody {
    return this.code === undefined
      ? { error: this.error, message: this.message }
      : { error: this.error, code: this.code, message: this.message }
  }
}

const STATUS: Partial<Record<Err, number>> = {
  [Err.NONODE]: 404,
  [Err.NODEEXISTS]: 409,
  [Err.NOTEMPTY]: 409,
  [Err.NOCHILDRENFOREPHEMERALS]: 409,
  [Err.BADVERSION]: 412,
  [Err.NOAUTH]: 403,
  [Err.INVALIDACL]: 400,
  [Err.BADARGUMENTS]: 400,
  [Err.MARSHALLINGERROR]: 400,
  [Err.UNIMPLEMENTED]: 501,
  [Err.SESSIONEXPIRED]: 503,
  [Err.CONNECTIONLOSS]: 503,
  [Err.OPERATIONTIMEOUT]: 503
}

/** The HTTP status for a ZooKeeper error code. */
export function statusOf (err: number): number {
  return STATUS[err as Err] ?? 500
}

/** ZooKeeper's name for an error code ("NONODE"), or "UNKNOWN(<n>)". */
export function errName (err: number): string {
  const name = (Err as unknown as Record<number, string | undefined>)[err]
  return name ?? `UNKNOWN(${err})`
}

/** An ApiError for ZooKeeper code `err` on `path`. */
export function zkError (err: number, path: string, what?: string): ApiError {
  const name = errName(err)
  return new ApiError(statusOf(err), name, `${what ?? name} for ${path}`, err)
}

export function badArguments (message: string): ApiError {
  return new ApiError(400, 'BADARGUMENTS', message, Err.BADARGUMENTS)
}
