// Who an HTTP caller is, as ZooKeeper identities. REST grants nothing of its
// own: the identities end up in the engine's ctx.auth, so every ACL applies
// exactly as for a ZooKeeper client holding them.
//   - no Authorization: anonymous (world:anyone only); may read, never write
//   - Bearer <token>: the configured token maps to the configured identities
//   - Basic user:password: digest:user:<base64 sha1>, exactly as
//     `addauth digest user:password` (plus super when it matches superDigest)

import { createHash, timingSafeEqual } from 'node:crypto'
import { Err } from '../engine/codes'
import type { Id } from '../engine/types'
import { authIdentities, type AuthConfig } from '../server/auth'
import { ApiError } from './errors'

export interface ApiAuthConfig {
  /** the bearer token; its callers act as `identities` */
  token?: string
  identities?: readonly Id[]
  /** refuse anonymous callers on reads too */
  requireAuth?: boolean
  /** watch streams open at once in this process (--api-max-watch-streams; default DEFAULT_MAX_WATCH_STREAMS) */
  maxWatchStreams?: number
  /** requests per second per client address on the HTTP API, and the burst (--api-rate-limit, --api-rate-burst); absent: no limit */
  rateLimit?: { perSecond: number, burst: number }
}

export interface Caller {
  /** 'anonymous' callers may read (unless requireAuth) but never write */
  via: 'anonymous' | 'token' | 'digest'
  /** the connection identities the engine checks ACLs against (world:anyone is implied) */
  ids: Id[]
}

const ANONYMOUS: Caller = { via: 'anonymous', ids: [] }

/** The identity schemes an --api-identity may name (ZooKeeper's providers and super). */
const SCHEMES = new Set(['super', 'digest', 'ip', 'sasl'])

/** "scheme:id" (split at the first ':', so digest ids keep theirs) → Id; throws on anything else. */
export function parseIdentity (text: string): Id {
  const colon = text.indexOf(':')
  if (colon <= 0) throw new Error(`'${text}' is not an identity (scheme:id, e.g. super: or digest:user:<base64 sha1>)`)
  const scheme = text.substring(0, colon)
  const id = text.substring(colon + 1)
  if (!SCHEMES.has(scheme)) throw new Error(`'${scheme}' is not an identity scheme (super, digest, ip, sasl)`)
  if (scheme === 'digest' && !/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(id)) throw new Error(`'${id}' is not a digest id (user:<base64 sha1>)`)
  if (scheme !== 'super' && id === '') throw new Error(`identity '${text}' has an empty id`)
  return { scheme, id }
}

// Both sides hashed first: equal lengths for timingSafeEqual, and the time
// taken says nothing about how much of the token matched.
function sameSecret (given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}

function refused (message: string): ApiError {
  return new ApiError(401, 'AUTHFAILED', message, Err.AUTHFAILED)
}

/**
 * The caller behind an Authorization header. Throws ApiError 401 for a
 * header that is malformed, a scheme we do not take, or a wrong token: a
 * caller who tried to authenticate and failed is never silently anonymous.
 */
export function identify (header: string | undefined, cfg: ApiAuthConfig, zkAuth: AuthConfig, remoteAddress: string): Caller {
  if (header === undefined || header === '') return ANONYMOUS
  const space = header.indexOf(' ')
  const scheme = (space === -1 ? header : header.substring(0, space)).toLowerCase()
  const value = space === -1 ? '' : header.substring(space + 1).trim()
  if (scheme === 'bearer') {
    if (cfg.token === undefined || value === '' || !sameSecret(value, cfg.token)) throw refused('bearer token refused')
    return { via: 'token', ids: [...(cfg.identities ?? [])] }
  }
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw refused('malformed Basic credentials')
    const decoded = Buffer.from(value, 'base64')
    const colon = decoded.indexOf(0x3a)
    if (colon <= 0) throw refused('Basic credentials must be user:password')
    // addauth digest hashes exactly these bytes
    const ids = authIdentities('digest', decoded, remoteAddress, zkAuth)
    if (ids === undefined) throw refused('digest authentication failed')
    return { via: 'digest', ids }
  }
  throw refused(`unsupported authorization scheme '${scheme}' (Bearer or Basic)`)
}

/** The header a 401 carries, naming what we take. */
export const WWW_AUTHENTICATE = 'Basic realm="redkeeper", Bearer realm="redkeeper"'
