// The server's configuration and the defaults ZooKeeper derives from tickTime.

import type { Logger } from 'pino'
import { DEFAULT_MAX_BUFFER } from '../protocol'
import type { ApiAuthConfig } from '../api/credentials'
import type { AuthConfig } from './auth'
import { DEFAULT_MAX_CLIENT_CNXNS, DEFAULT_MAX_WATCHES_PER_SESSION } from './client-limit'
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT } from './outstanding'
import { parseWhitelist, WhitelistError } from './whitelist'
import type { TlsFiles } from './tls'

export interface ServerConfig extends SweepConfig {
  host: string
  /** 0 picks a free port */
  zkPort: number
  /** 0 picks a free port */
  httpPort: number
  /** ZooKeeper's secureClientPort: a TLS client port next to the plain one (needs `tls`); 0 picks a free port */
  secureZkPort?: number
  /** address the secure client port listens on (secureClientPortAddress); default `host` */
  secureZkHost?: string
  /** the secure client port's key, certificate, CA and client authentication */
  tls?: TlsFiles
  /** serve the HTTP API over HTTPS (wss: for WebSockets) with this key and certificate */
  httpTls?: TlsFiles
  dataDir: string
  /** ZooKeeper's tickTime: session-timeout bounds and the expiry check period */
  tickMs: number
  /** jute.maxbuffer: the largest frame accepted; default 1048575 */
  maxBuffer?: number
  /** ZooKeeper's maxClientCnxns: open connections per client address on the ZooKeeper port; 0 = no limit; default 60 */
  maxClientCnxns?: number
  /** watch registrations one session may hold; past it a watch-setting request fails with QUOTAEXCEEDED; 0 = no limit; default 1 000 000 */
  maxWatchesPerSession?: number
  /** ZooKeeper's globalOutstandingLimit: past this many unanswered requests, connections with one outstanding stop reading; default 1000 */
  globalOutstandingLimit?: number
  /** default 2 × tickMs */
  minSessionTimeout?: number
  /** default 20 × tickMs */
  maxSessionTimeout?: number
  /** fsync the log before acknowledging; default true. Off only for tests and benchmarks. */
  fsync?: boolean
  /** ZooKeeper's snapCount: a snapshot after this many log records; default 100 000 */
  snapCount?: number
  /** superDigest and SASL users; default: ip and digest only, as a stock ZooKeeper */
  auth?: AuthConfig
  /** zookeeper.extendedTypesEnabled: TTL nodes (createTTL and the TTL create modes); default false */
  extendedTypes?: boolean
  /** zookeeper.enforceQuota: hard quota limits refuse creates and setData (QUOTAEXCEEDED); default false */
  enforceQuota?: boolean
  /**
   * ZooKeeper's 4lw.commands.whitelist: comma-separated words or `*`;
   * default `srvr` alone, as ZooKeeper 3.8 (srvr is always enabled).
   */
  fourLetterWhitelist?: string
  /** the REST API's credentials (token → identities, anonymous reads); default: Basic digest only */
  api?: ApiAuthConfig
  logger: Logger
  /**
   * Called once if the store fails in a way that makes acknowledging
   * anything unsafe (an fsync error). Default: log and close the server.
   */
  onFatal?: (err: unknown) => void
}

/** A configuration the server cannot run with. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface ResolvedConfig extends Required<Omit<ServerConfig, 'onFatal' | 'fourLetterWhitelist' | 'secureZkPort' | 'secureZkHost' | 'tls' | 'httpTls' | keyof SweepConfig>> {
  onFatal: ServerConfig['onFatal']
  secureZkPort: number | undefined
  secureZkHost: string
  tls: TlsFiles | undefined
  httpTls: TlsFiles | undefined
  sweep: ResolvedSweep
  /** the enabled four-letter words */
  fourLetterWhitelist: ReadonlySet<string>
}

/** ZooKeeper's system properties znode.container.* and zookeeper.extendedTypesEnabled. */
export interface SweepConfig {
  /** znode.container.checkIntervalMs; default 60000 */
  containerCheckIntervalMs?: number
  /** znode.container.maxPerMinute; default 10000 */
  containerMaxPerMinute?: number
  /** znode.container.maxNeverUsedIntervalMs; default 0 (containers that never had a child stay) */
  containerMaxNeverUsedMs?: number
}

export interface ResolvedSweep {
  checkIntervalMs: number
  maxPerMinute: number
  maxNeverUsedMs: number
}

export const SWEEP_DEFAULTS: ResolvedSweep = { checkIntervalMs: 60000, maxPerMinute: 10000, maxNeverUsedMs: 0 }

export function resolveSweep (cfg: SweepConfig): ResolvedSweep {
  const checkIntervalMs = cfg.containerCheckIntervalMs ?? SWEEP_DEFAULTS.checkIntervalMs
  const maxPerMinute = cfg.containerMaxPerMinute ?? SWEEP_DEFAULTS.maxPerMinute
  const maxNeverUsedMs = cfg.containerMaxNeverUsedMs ?? SWEEP_DEFAULTS.maxNeverUsedMs
  // setInterval takes at most 2^31-1 ms
  if (!Number.isSafeInteger(checkIntervalMs) || checkIntervalMs <= 0 || checkIntervalMs > 2147483647) {
    throw new ConfigError(`containerCheckIntervalMs must be an integer in 1..2147483647, got ${checkIntervalMs}`)
  }
  if (!Number.isSafeInteger(maxPerMinute) || maxPerMinute <= 0) throw new ConfigError(`containerMaxPerMinute must be a positive integer, got ${maxPerMinute}`)
  if (!Number.isSafeInteger(maxNeverUsedMs) || maxNeverUsedMs < 0) throw new ConfigError(`containerMaxNeverUsedMs must be a non-negative integer, got ${maxNeverUsedMs}`)
  return { checkIntervalMs, maxPerMinute, maxNeverUsedMs }
}

export function isPort (n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535
}

export function positiveInt (n: number): boolean {
  return Number.isSafeInteger(n) && n > 0
}

/** ZooKeeper's session timeout bounds: 2 and 20 ticks unless given; min ≤ max. Shared by the server and the node. */
export function resolveSessionBounds (tickMs: number, min: number | undefined, max: number | undefined): { minSessionTimeout: number, maxSessionTimeout: number } {
  const minSessionTimeout = min ?? 2 * tickMs
  const maxSessionTimeout = max ?? 20 * tickMs
  if (!positiveInt(minSessionTimeout)) throw new ConfigError(`minSessionTimeout must be a positive integer, got ${minSessionTimeout}`)
  if (!positiveInt(maxSessionTimeout)) throw new ConfigError(`maxSessionTimeout must be a positive integer, got ${maxSessionTimeout}`)
  if (minSessionTimeout > maxSessionTimeout) {
    throw new ConfigError(`minSessionTimeout (${minSessionTimeout}) must not exceed maxSessionTimeout (${maxSessionTimeout})`)
  }
  return { minSessionTimeout, maxSessionTimeout }
}

/** The per-session watch limit; 0 means none. Shared by the server and the node. */
export function resolveMaxWatches (n: number | undefined): number {
  const v = n ?? DEFAULT_MAX_WATCHES_PER_SESSION
  if (!Number.isSafeInteger(v) || v < 0) throw new ConfigError(`maxWatchesPerSession must be a non-negative integer, got ${v}`)
  return v
}

/** globalOutstandingLimit (shared by the server and the node): a positive integer, default 1000. */
export function resolveOutstandingLimit (n: number | undefined): number {
  const v = n ?? DEFAULT_GLOBAL_OUTSTANDING_LIMIT
  if (!positiveInt(v)) throw new ConfigError(`globalOutstandingLimit must be a positive integer, got ${v}`)
  return v
}

/** 4lw.commands.whitelist, as a ConfigError when it names something that is not a four-letter word. */
export function resolveWhitelist (spec: string | undefined): ReadonlySet<string> {
  try {
    return parseWhitelist(spec)
  } catch (err) {
    if (err instanceof WhitelistError) throw new ConfigError(`fourLetterWhitelist: ${err.message}`)
    throw err
  }
}

/** Fills in ZooKeeper's defaults and rejects values it would reject. */
export function resolveConfig (cfg: ServerConfig): ResolvedConfig {
  if (!isPort(cfg.zkPort)) throw new ConfigError(`zkPort must be an integer in 0..65535, got ${cfg.zkPort}`)
  if (!isPort(cfg.httpPort)) throw new ConfigError(`httpPort must be an integer in 0..65535, got ${cfg.httpPort}`)
  if (cfg.secureZkPort !== undefined && !isPort(cfg.secureZkPort)) throw new ConfigError(`secureZkPort must be an integer in 0..65535, got ${cfg.secureZkPort}`)
  if (cfg.secureZkPort !== undefined && cfg.tls === undefined) throw new ConfigError('secureZkPort needs a TLS key and certificate (--tls-key, --tls-cert)')
  if (cfg.secureZkHost !== undefined && cfg.secureZkPort === undefined) throw new ConfigError('secureZkHost is set but secureZkPort is not')
  if (cfg.secureZkPort === undefined && cfg.tls !== undefined) throw new ConfigError('a TLS key and certificate for the client port need secureZkPort (--secure-zk-port)')
  if (!positiveInt(cfg.tickMs)) throw new ConfigError(`tickMs must be a positive integer, got ${cfg.tickMs}`)
  if (cfg.dataDir === '') throw new ConfigError('dataDir must not be empty')
  const maxBuffer = cfg.maxBuffer ?? DEFAULT_MAX_BUFFER
  if (!positiveInt(maxBuffer)) throw new ConfigError(`maxBuffer must be a positive integer, got ${maxBuffer}`)
  const maxClientCnxns = cfg.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS
  if (!Number.isSafeInteger(maxClientCnxns) || maxClientCnxns < 0) throw new ConfigError(`maxClientCnxns must be a non-negative integer, got ${maxClientCnxns}`)
  const maxWatchesPerSession = resolveMaxWatches(cfg.maxWatchesPerSession)
  const globalOutstandingLimit = resolveOutstandingLimit(cfg.globalOutstandingLimit)
  const { minSessionTimeout, maxSessionTimeout } = resolveSessionBounds(cfg.tickMs, cfg.minSessionTimeout, cfg.maxSessionTimeout)
  const fourLetterWhitelist = resolveWhitelist(cfg.fourLetterWhitelist)
  if (cfg.snapCount !== undefined && !positiveInt(cfg.snapCount)) throw new ConfigError(`snapCount must be a positive integer, got ${cfg.snapCount}`)
  return {
    host: cfg.host,
    zkPort: cfg.zkPort,
    httpPort: cfg.httpPort,
    secureZkPort: cfg.secureZkPort,
    secureZkHost: cfg.secureZkHost ?? cfg.host,
    tls: cfg.tls,
    httpTls: cfg.httpTls,
    dataDir: cfg.dataDir,
    tickMs: cfg.tickMs,
    maxBuffer,
    maxClientCnxns,
    maxWatchesPerSession,
    globalOutstandingLimit,
    minSessionTimeout,
    maxSessionTimeout,
    fsync: cfg.fsync ?? true,
    snapCount: cfg.snapCount ?? 100_000,
    auth: cfg.auth ?? {},
    extendedTypes: cfg.extendedTypes === true,
    enforceQuota: cfg.enforceQuota === true,
    sweep: resolveSweep(cfg),
    fourLetterWhitelist,
    api: cfg.api ?? {},
    logger: cfg.logger,
    onFatal: cfg.onFatal
  }
}
