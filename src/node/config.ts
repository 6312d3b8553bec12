// A service node's configuration and the defaults ZooKeeper derives from
// tickTime.

import type { TlsFiles } from '../server/tls'
import type { Logger } from 'pino'
import { DEFAULT_MAX_BUFFER } from '../protocol'
import { ConfigError, isPort, positiveInt, resolveMaxWatches, resolveOutstandingLimit, resolveSessionBounds, resolveSweep, resolveWhitelist, type ResolvedSweep, type SweepConfig } from '../server/config'
import type { AuthConfig } from '../server/auth'
import { DEFAULT_TRUST, parseTrust, TrustSpecError, type PeerTrust } from './trust'
import type { ApiAuthConfig } from '../api/credentials'

export interface NodeConfig extends SweepConfig {
  /** redis://host:port[/db] (or rediss://) */
  redisUrl: string
  /** default 0.0.0.0: a node serves sidecars through a load balancer */
  host?: string
  /** 0 picks a free port; default 8080 */
  httpPort?: number
  /** key namespace in Redis (keys are "{namespace}:..."); default "rk" */
  namespace?: string
  /** ZooKeeper's tickTime: timeout bounds, heartbeat batching (tick/2), expiry (tick); default 2000 */
  tickMs?: number
  /** default 2 × tickMs */
  minSessionTimeout?: number
  /** default 20 × tickMs */
  maxSessionTimeout?: number
  /** jute.maxbuffer: the largest request body accepted; default 1048575 */
  maxBuffer?: number
  /** watch registrations one session may hold (QUOTAEXCEEDED past it); 0 = no limit; default 1 000 000 */
  maxWatchesPerSession?: number
  /** ZooKeeper's globalOutstandingLimit, per node: past this many unanswered requests, connections with one outstanding stop reading; default 1000 */
  globalOutstandingLimit?: number
  /** the Lua library's source (tests build their own); default dist/lua/redkeeper.lua */
  library?: string
  /** zookeeper.extendedTypesEnabled: TTL nodes */
  extendedTypes?: boolean
  /** zookeeper.enforceQuota: hard quota limits refuse creates and setData */
  enforceQuota?: boolean
  /** superDigest and SASL users; default: ip and digest only, as a stock ZooKeeper */
  auth?: AuthConfig
  /** ZooKeeper's 4lw.commands.whitelist (comma list or `*`); default `srvr` alone, as ZooKeeper 3.8 */
  fourLetterWhitelist?: string
  /**
   * Which WebSocket peers may tell the node their ZooKeeper client's address
   * (trust.ts): `none`, `all`, or `loopback`, addresses and CIDR subnets,
   * comma-separated; default `loopback`.
   */
  trustClientAddress?: string
  /** the REST API's credentials (token → identities, anonymous reads); default: Basic digest only */
  api?: ApiAuthConfig
  /** serve GET /v1/zk/mux (many client connections per sidecar WebSocket, docs/protocol.md); default true */
  mux?: boolean
  /** close(): how long to wait for the sidecars to move elsewhere before dropping the rest; default 10000 */
  drainTimeoutMs?: number
  /** serve the HTTP API (and the sidecars' /v1/zk) over HTTPS/wss with this key and certificate */
  httpTls?: TlsFiles
  /** Redis replicas that must hold a write before it is acknowledged (WAIT); 0 = do not wait; default 0 */
  redisWaitReplicas?: number
  /** how long a write waits for them before its client's connection is closed (outcome unknown); default 1000 */
  redisWaitTimeoutMs?: number
  logger: Logger
}

export interface ResolvedNodeConfig {
  redisUrl: string
  host: string
  httpPort: number
  namespace: string
  tickMs: number
  minSessionTimeout: number
  maxSessionTimeout: number
  maxBuffer: number
  maxWatchesPerSession: number
  globalOutstandingLimit: number
  library: string | undefined
  extendedTypes: boolean
  enforceQuota: boolean
  sweep: ResolvedSweep
  auth: AuthConfig
  /** the enabled four-letter words */
  fourLetterWhitelist: ReadonlySet<string>
  trust: PeerTrust
  api: ApiAuthConfig
  drainTimeoutMs: number
  mux: boolean
  httpTls: TlsFiles | undefined
  /** undefined: writes are acknowledged without waiting for replicas */
  replicaWait: { replicas: number, timeoutMs: number } | undefined
  logger: Logger
}

export { ConfigError }

/** Long enough for every sidecar to re-attach elsewhere (they do in milliseconds); short beside a pod's 30 s grace. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10000

/** WAIT's timeout unless configured (or half the min session timeout, if less): well inside a client's read timeout. */
export const DEFAULT_REDIS_WAIT_TIMEOUT_MS = 1000

const REDIS_URL = /^(rediss?|redis-sentinel):\/\/\S+$/


export function resolveNodeConfig (cfg: NodeConfig): ResolvedNodeConfig {
  if (!REDIS_URL.test(cfg.redisUrl)) throw new ConfigError(`Redis URL must be redis://, rediss:// or redis-sentinel://, got ${JSON.stringify(redactRedisUrl(cfg.redisUrl))}`)
  const httpPort = cfg.httpPort ?? 8080
  if (!isPort(httpPort)) throw new ConfigError(`httpPort must be an integer in 0..65535, got ${httpPort}`)
  const tickMs = cfg.tickMs ?? 2000
  if (!positiveInt(tickMs)) throw new ConfigError(`tickMs must be a positive integer, got ${tickMs}`)
  const maxBuffer = cfg.maxBuffer ?? DEFAULT_MAX_BUFFER
  if (!positiveInt(maxBuffer)) throw new ConfigError(`maxBuffer must be a positive integer, got ${maxBuffer}`)
  const { minSessionTimeout, maxSessionTimeout } = resolveSessionBounds(tickMs, cfg.minSessionTimeout, cfg.maxSessionTimeout)
  const fourLetterWhitelist = resolveWhitelist(cfg.fourLetterWhitelist)
  const drainTimeoutMs = cfg.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS
  if (!positiveInt(drainTimeoutMs)) throw new ConfigError(`drainTimeoutMs must be a positive integer, got ${drainTimeoutMs}`)
  let trust: PeerTrust
  try {
    trust = parseTrust(cfg.trustClientAddress ?? DEFAULT_TRUST)
  } catch (err) {
    if (err instanceof TrustSpecError) throw new ConfigError(`trustClientAddress: ${err.message}`)
    throw err
  }
  return {
    redisUrl: cfg.redisUrl,
    host: cfg.host ?? '0.0.0.0',
    httpPort,
    namespace: cfg.namespace ?? 'rk',
    tickMs,
    minSessionTimeout,
    maxSessionTimeout,
    maxBuffer,
    maxWatchesPerSession: resolveMaxWatches(cfg.maxWatchesPerSession),
    globalOutstandingLimit: resolveOutstandingLimit(cfg.globalOutstandingLimit),
    library: cfg.library,
    extendedTypes: cfg.extendedTypes === true,
    enforceQuota: cfg.enforceQuota === true,
    sweep: resolveSweep(cfg),
    auth: cfg.auth ?? {},
    fourLetterWhitelist,
    trust,
    api: cfg.api ?? {},
    drainTimeoutMs,
    mux: cfg.mux !== false,
    httpTls: cfg.httpTls,
    replicaWait: resolveReplicaWait(cfg, minSessionTimeout),
    logger: cfg.logger
  }
}

/**
 * A write's reply is held while WAIT runs, and so is every reply behind it
 * on its connection, pings included. A client hears nothing for that long
 * and drops its connection after 2/3 of its session timeout (the Java
 * client's read timeout): half the shortest session timeout keeps the wait
 * clear of that.
 */
function resolveReplicaWait (cfg: NodeConfig, minSessionTimeout: number): ResolvedNodeConfig['replicaWait'] {
  const replicas = cfg.redisWaitReplicas ?? 0
  if (!Number.isSafeInteger(replicas) || replicas < 0) throw new ConfigError(`redisWaitReplicas (--redis-wait-replicas) must be a non-negative integer, got ${replicas}`)
  const limit = Math.floor(minSessionTimeout / 2)
  const timeoutMs = cfg.redisWaitTimeoutMs ?? Math.min(DEFAULT_REDIS_WAIT_TIMEOUT_MS, limit)
  if (!positiveInt(timeoutMs)) throw new ConfigError(`redisWaitTimeoutMs (--redis-wait-timeout-ms) must be a positive integer, got ${timeoutMs}`)
  if (replicas === 0) {
    if (cfg.redisWaitTimeoutMs !== undefined) throw new ConfigError('redisWaitTimeoutMs (--redis-wait-timeout-ms) is set but redisWaitReplicas (--redis-wait-replicas) is 0: set it to the number of replicas a write must reach')
    return undefined
  }
  if (timeoutMs > limit) throw new ConfigError(`redisWaitTimeoutMs (--redis-wait-timeout-ms) is ${timeoutMs} ms but must be at most half the min session timeout (${limit} ms of ${minSessionTimeout} ms): a client that waits longer for a reply drops its connection`)
  return { replicas, timeoutMs }
}

/** The Redis URL without credentials, for logs, errors and `conf`. */
export function redactRedisUrl (url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1')
}
