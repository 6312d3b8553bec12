// The REST API settings `start` and `node` share: a bearer token, the
// ZooKeeper identities its callers act as, and whether anonymous callers may
// read at all.

import { parseIdentity, type ApiAuthConfig } from '../api/credentials'
import type { Id } from '../engine/types'
import { UsageError } from './errors'
import { DEFAULT_MAX_WATCH_STREAMS } from '../api/watch-stream'
import { BadValue, bool, nonNegativeInt, positiveInt, resolve, type Parser, type Setting } from './settings'

const identities: Parser<Id[]> = (raw) => {
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (list.length === 0) throw new BadValue('names no identity')
  try {
    return list.map(parseIdentity)
  } catch (err) {
    throw new BadValue((err as Error).message)
  }
}

const token: Parser<string> = (raw) => {
  // a short token can be guessed; HTTP headers cannot carry control characters
  if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw)) throw new BadValue('must be at least 16 printable ASCII characters without spaces')
  return raw
}

export const API_SETTINGS = {
  apiToken: { flag: 'api-token', env: 'REDKEEPER_API_TOKEN', arg: '<token>', parse: token, defaultText: 'none', help: 'REST: callers sending "Authorization: Bearer <token>" act as --api-identity' },
  apiIdentity: { flag: 'api-identity', env: 'REDKEEPER_API_IDENTITY', arg: '<ids>', parse: identities, defaultText: 'none', help: 'REST: the ZooKeeper identities of the token, comma-separated scheme:id (super:, digest:user:<base64 sha1>, ip:…, sasl:…)' },
  apiRequireAuth: { flag: 'api-require-auth', env: 'REDKEEPER_API_REQUIRE_AUTH', arg: '', parse: bool, defaultText: 'false', help: 'REST: refuse anonymous callers on reads too (writes always need credentials)' },
  apiMaxWatchStreams: { flag: 'api-max-watch-streams', env: 'REDKEEPER_API_MAX_WATCH_STREAMS', arg: '<n>', parse: positiveInt, defaultText: String(DEFAULT_MAX_WATCH_STREAMS), help: 'REST: watch streams (/v1/watch) open at once in this process, each a ZooKeeper session; past it 503' },
  apiRateLimit: { flag: 'api-rate-limit', env: 'REDKEEPER_API_RATE_LIMIT', arg: '<n>', parse: nonNegativeInt, defaultText: '0', help: 'HTTP: requests per second per client address, counted in this process; past it 429 RATE_LIMITED with Retry-After (not /healthz, /readyz, /metrics, /v1/zk); 0 = no limit' },
  apiRateBurst: { flag: 'api-rate-burst', env: 'REDKEEPER_API_RATE_BURST', arg: '<n>', parse: positiveInt, defaultText: '2 × --api-rate-limit', help: 'HTTP: requests an idle client address may send at once before --api-rate-limit applies' }
} satisfies Record<string, Setting<unknown>>

/** Flags of API_SETTINGS that take no value, and those that take one. */
export const API_BOOLEAN_FLAGS = ['api-require-auth']
export const API_STRING_FLAGS = ['api-token', 'api-identity', 'api-max-watch-streams', 'api-rate-limit', 'api-rate-burst']

export function resolveApi (str: (flag: string) => string | undefined, flagSet: (flag: string) => boolean, env: NodeJS.ProcessEnv): ApiAuthConfig {
  const S = API_SETTINGS
  const cfg: ApiAuthConfig = {}
  const t = resolve(S.apiToken, str(S.apiToken.flag), env)
  const ids = resolve(S.apiIdentity, str(S.apiIdentity.flag), env)
  if (t !== undefined && ids === undefined) throw new UsageError('--api-token needs --api-identity: the identities its callers act as')
  if (t === undefined && ids !== undefined) throw new UsageError('--api-identity needs --api-token')
  if (t !== undefined) cfg.token = t
  if (ids !== undefined) cfg.identities = ids
  const require = resolve(S.apiRequireAuth, flagSet(S.apiRequireAuth.flag) ? 'true' : undefined, env)
  if (require === true) cfg.requireAuth = true
  const streams = resolve(S.apiMaxWatchStreams, str(S.apiMaxWatchStreams.flag), env)
  if (streams !== undefined) cfg.maxWatchStreams = streams
  const rate = resolve(S.apiRateLimit, str(S.apiRateLimit.flag), env)
  const burst = resolve(S.apiRateBurst, str(S.apiRateBurst.flag), env)
  if (burst !== undefined && (rate ?? 0) === 0) throw new UsageError('--api-rate-burst needs --api-rate-limit')
  if (rate !== undefined && rate > 0) cfg.rateLimit = { perSecond: rate, burst: burst ?? 2 * rate }
  return cfg
}

/** Help rows for the API settings (boolean flags have no argument). */
export function apiHelpRows (): string[] {
  return Object.values(API_SETTINGS).map((s) => {
    const left = s.arg === '' ? `--${s.flag}` : `--${s.flag} ${s.arg}`
    return `  ${left.padEnd(34)}${s.help}\n  ${''.padEnd(34)}env ${s.env}, default ${s.defaultText}\n`
  })
}
