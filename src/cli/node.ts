// `redkeeper node`: run a stateless service node (the WebSocket API over
// Redis) until SIGTERM/SIGINT.

import { HTTPS_SETTINGS, resolveHttps } from './tls-settings'
import type { TlsFiles } from '../server/tls'
import pino from 'pino'
import { ConfigError, RedisUnreachableError, startNode, type RunningNode } from '../node'
import { redactRedisUrl } from '../node/config'
import { DEFAULT_TRUST, parseTrust, TrustSpecError } from '../node/trust'
import { REDKEEPER_VERSION } from '../server/version'
import { BadNamespaceError, LibraryNotBuiltError, RedisEngineError, RedisUrlError, sentinelOptions } from '../stores/redis'
import type { Command, Io } from './command'
import { EXIT_FAILURE, EXIT_OK, UsageError } from './errors'
import { parseFlags, stringFlag } from './flags'
import { AUTH_SETTINGS, resolveAuth } from './auth-settings'
import { FOURLW_SETTINGS } from './fourlw-settings'
import type { AuthConfig } from '../server/auth'
import { ENFORCE_QUOTA, EXTENDED_TYPES, SWEEP_SETTINGS, resolveSweepSettings, type ZnodeSettings } from './sweep-settings'
import { API_BOOLEAN_FLAGS, API_STRING_FLAGS, apiHelpRows, resolveApi } from './api-settings'
import type { ApiAuthConfig } from '../api/credentials'
import { BadValue, bool, logLevel, nonEmpty, nonNegativeInt, port, positiveInt, resolve, type Parser, type Setting } from './settings'
import { SUMMARIES } from './summaries'
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_WATCHES_PER_SESSION, GLOBAL_OUTSTANDING_LIMIT, MAX_WATCHES_PER_SESSION } from './limit-settings'
import { CONFIG_HELP_ROW, layerConfigFile } from './config-sources'
import { API_SETTINGS } from './api-settings'

const redisUrl: Parser<string> = (raw) => {
  if (!/^(rediss?|redis-sentinel):\/\/\S+$/.test(raw)) throw new BadValue(`'${redactRedisUrl(raw)}' is not a Redis URL (redis://, rediss:// or redis-sentinel://)`)
  try {
    sentinelOptions(raw)
  } catch (err) {
    if (err instanceof RedisUrlError) throw new BadValue(err.message)
    throw err
  }
  return raw
}

const namespace: Parser<string> = (raw) => {
  if (!/^[^{}\s]{1,64}$/.test(raw)) throw new BadValue(`'${raw}' is not a namespace (1-64 characters, no '{', '}' or whitespace)`)
  return raw
}

const trustSpec: Parser<string> = (raw) => {
  try {
    parseTrust(raw)
  } catch (err) {
    if (err instanceof TrustSpecError) throw new BadValue(err.message)
    throw err
  }
  return raw
}

const S = {
  redis: { flag: 'redis', env: 'REDKEEPER_REDIS_URL', arg: '<url>', parse: redisUrl, defaultText: '(required)', help: 'the Redis every node shares: redis://[user:password@]host:port[/db], rediss://…, or redis-sentinel://host:port[,host:port…]/<master>' },
  httpPort: { flag: 'http-port', env: 'REDKEEPER_HTTP_PORT', arg: '<port>', parse: port, defaultText: '8080', help: 'HTTP port (/v1/zk WebSocket API, /healthz, /readyz, /v1/status, REST API, /openapi.json); 0 picks a free port' },
  host: { flag: 'host', env: 'REDKEEPER_HOST', arg: '<address>', parse: nonEmpty, defaultText: '0.0.0.0', help: 'address the HTTP port listens on' },
  namespace: { flag: 'namespace', env: 'REDKEEPER_NAMESPACE', arg: '<name>', parse: namespace, defaultText: 'rk', help: 'key namespace in Redis (keys are {name}:...)' },
  tickMs: { flag: 'tick-ms', env: 'REDKEEPER_TICK_MS', arg: '<ms>', parse: positiveInt, defaultText: '2000', help: "ZooKeeper's tickTime: timeout bounds, heartbeat batching (tick/2), expiry checks" },
  maxWatchesPerSession: MAX_WATCHES_PER_SESSION,
  globalOutstandingLimit: GLOBAL_OUTSTANDING_LIMIT,
  maxBuffer: { flag: 'max-buffer', env: 'REDKEEPER_MAX_BUFFER', arg: '<bytes>', parse: positiveInt, defaultText: '1048575', help: 'largest request accepted (jute.maxbuffer)' },
  minSessionTimeout: { flag: 'min-session-timeout', env: 'REDKEEPER_MIN_SESSION_TIMEOUT', arg: '<ms>', parse: positiveInt, defaultText: '2 × tick', help: 'lower bound of negotiated session timeouts' },
  maxSessionTimeout: { flag: 'max-session-timeout', env: 'REDKEEPER_MAX_SESSION_TIMEOUT', arg: '<ms>', parse: positiveInt, defaultText: '20 × tick', help: 'upper bound of negotiated session timeouts' },
  trustClientAddress: { flag: 'trust-client-address', env: 'REDKEEPER_TRUST_CLIENT_ADDRESS', arg: '<peers>', parse: trustSpec, defaultText: 'loopback', help: "WebSocket peers whose word on their ZooKeeper client's address is taken (ip identity, cons): none, all, or loopback / addresses / CIDRs, comma-separated" },
  logLevel: { flag: 'log-level', env: 'REDKEEPER_LOG_LEVEL', arg: '<level>', parse: logLevel, defaultText: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
  drainTimeoutMs: { flag: 'drain-timeout-ms', env: 'REDKEEPER_DRAIN_TIMEOUT_MS', arg: '<ms>', parse: positiveInt, defaultText: '10000', help: 'SIGTERM: how long to wait for the sidecars to move their sessions to other nodes before dropping the rest' },
  mux: { flag: 'mux', env: 'REDKEEPER_MUX', arg: '<true|false>', parse: bool, defaultText: 'true', help: 'serve GET /v1/zk/mux: many ZooKeeper connections over one WebSocket per sidecar (false: sidecars fall back to one WebSocket per connection)' },
  redisWaitReplicas: { flag: 'redis-wait-replicas', env: 'REDKEEPER_REDIS_WAIT_REPLICAS', arg: '<n>', parse: nonNegativeInt, defaultText: '0', help: 'acknowledge a write (and sync, session create/close) only once this many Redis replicas hold it (WAIT); not confirmed in time: the client\'s connection is closed (outcome unknown); 0 = do not wait' },
  redisWaitTimeoutMs: { flag: 'redis-wait-timeout-ms', env: 'REDKEEPER_REDIS_WAIT_TIMEOUT_MS', arg: '<ms>', parse: positiveInt, defaultText: '1000 (at most min session timeout / 2)', help: 'how long a write waits for --redis-wait-replicas; at most half the min session timeout' },
  ...AUTH_SETTINGS,
  ...SWEEP_SETTINGS,
  extendedTypes: EXTENDED_TYPES,
  enforceQuota: ENFORCE_QUOTA,
  ...FOURLW_SETTINGS,
  ...HTTPS_SETTINGS
} satisfies Record<string, Setting<unknown>>

/** Every setting of `node`, for the config file and `config print`. */
export const NODE_SETTINGS: ReadonlyArray<Setting<unknown>> = [...Object.values(S), ...Object.values(API_SETTINGS)]

function help (): string {
  const rows = Object.values(S).map((s) => {
    const left = `--${s.flag} ${s.arg}`.trimEnd()
    return `  ${left.padEnd(36)}${s.help}\n  ${''.padEnd(36)}env ${s.env}, default ${s.defaultText}\n`
  })
  return 'Usage: redkeeper node --redis <url> [options]\n\n' +
    'Runs a stateless service node: sidecars reach ZooKeeper sessions through\n' +
    'its WebSocket API (GET /v1/zk, docs/protocol.md); all state is in Redis,\n' +
    'so any number of nodes may run behind a load balancer.\n' +
    'Every option can also be set by its environment variable or in a config\n' +
    'file; a flag beats the environment, which beats the file, which beats the\n' +
    'default.\n\n' +
    'Options:\n' + CONFIG_HELP_ROW + rows.join('') + apiHelpRows().join('') +
    `  ${'-h, --help'.padEnd(36)}show this help\n\n` +
    'Four-letter words reach a node through a sidecar\'s client port. wchs,\n' +
    'wchc, wchp and dump show the whole service (they read Redis), as one\n' +
    'ZooKeeper server shows its own clients; stat and cons show this node.\n\n' +
    'When the HTTP port listens, one JSON log line with "msg":"ready" and the\n' +
    'numeric field httpPort is written to stdout.\n' +
    'SIGTERM or SIGINT drains the node: /readyz turns 503, the port stops\n' +
    'accepting, every sidecar is told to move (its sessions stay in Redis and\n' +
    'resume through another node, unseen by the clients), and once they have\n' +
    'gone (at most --drain-timeout-ms) the node exits 0.\n'
}

export interface NodeOptions {
  redisUrl: string
  httpPort: number
  host: string
  namespace: string
  tickMs: number
  maxBuffer: number
  maxWatchesPerSession: number
  globalOutstandingLimit: number
  minSessionTimeout: number | undefined
  maxSessionTimeout: number | undefined
  logLevel: string
  drainTimeoutMs: number
  mux: boolean
  auth: AuthConfig
  sweep: ZnodeSettings
  fourLetterWhitelist: string | undefined
  trustClientAddress: string
  api: ApiAuthConfig
  httpTls: TlsFiles | undefined
  redisWaitReplicas: number
  redisWaitTimeoutMs: number | undefined
}

export function parseNodeArgs (argv: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void = () => {}): NodeOptions | 'help' {
  const layered = layerConfigFile(argv, env, NODE_SETTINGS, 'node')
  for (const w of layered.warnings) warn(w)
  env = layered.env
  const { values } = parseFlags(layered.argv, {
    strings: Object.values(S).filter((s) => s.arg !== '').map((s) => s.flag).concat(API_STRING_FLAGS),
    booleans: ['help', EXTENDED_TYPES.flag, ENFORCE_QUOTA.flag, ...API_BOOLEAN_FLAGS],
    short: { h: 'help' }
  })
  if (values.help === true) return 'help'
  const str = (flag: string): string | undefined => stringFlag(values, flag)
  const url = resolve(S.redis, str('redis'), env)
  if (url === undefined) throw new UsageError(`missing --redis <url> (or ${S.redis.env})`)
  const opts: NodeOptions = {
    redisUrl: url,
    httpPort: resolve(S.httpPort, str('http-port'), env) ?? 8080,
    host: resolve(S.host, str('host'), env) ?? '0.0.0.0',
    namespace: resolve(S.namespace, str('namespace'), env) ?? 'rk',
    tickMs: resolve(S.tickMs, str('tick-ms'), env) ?? 2000,
    maxBuffer: resolve(S.maxBuffer, str('max-buffer'), env) ?? 1048575,
    maxWatchesPerSession: resolve(S.maxWatchesPerSession, str(S.maxWatchesPerSession.flag), env) ?? DEFAULT_MAX_WATCHES_PER_SESSION,
    globalOutstandingLimit: resolve(S.globalOutstandingLimit, str(S.globalOutstandingLimit.flag), env) ?? DEFAULT_GLOBAL_OUTSTANDING_LIMIT,
    minSessionTimeout: resolve(S.minSessionTimeout, str('min-session-timeout'), env),
    maxSessionTimeout: resolve(S.maxSessionTimeout, str('max-session-timeout'), env),
    logLevel: resolve(S.logLevel, str('log-level'), env) ?? 'info',
    drainTimeoutMs: resolve(S.drainTimeoutMs, str('drain-timeout-ms'), env) ?? 10000,
    mux: resolve(S.mux, str(S.mux.flag), env) ?? true,
    auth: resolveAuth(str, env),
    sweep: resolveSweepSettings(values, str, env),
    fourLetterWhitelist: resolve(S.fourLetterWhitelist, str(S.fourLetterWhitelist.flag), env),
    trustClientAddress: resolve(S.trustClientAddress, str('trust-client-address'), env) ?? DEFAULT_TRUST,
    api: resolveApi(str, (flag) => values[flag] === true, env),
    httpTls: resolveHttps(str, env),
    redisWaitReplicas: resolve(S.redisWaitReplicas, str(S.redisWaitReplicas.flag), env) ?? 0,
    redisWaitTimeoutMs: resolve(S.redisWaitTimeoutMs, str(S.redisWaitTimeoutMs.flag), env)
  }
  const min = opts.minSessionTimeout ?? 2 * opts.tickMs
  const max = opts.maxSessionTimeout ?? 20 * opts.tickMs
  if (min > max) throw new UsageError(`min session timeout (${min} ms) exceeds max session timeout (${max} ms)`)
  return opts
}

async function run (argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const parsed = parseNodeArgs(argv, env, (w) => io.err(`redkeeper: warning: ${w}\n`))
  if (parsed === 'help') {
    io.out(help())
    return EXIT_OK
  }
  const logger = pino({ level: parsed.logLevel, name: 'redkeeper' })

  let node: RunningNode
  try {
    node = await startNode({
      redisUrl: parsed.redisUrl,
      host: parsed.host,
      httpPort: parsed.httpPort,
      namespace: parsed.namespace,
      tickMs: parsed.tickMs,
      maxBuffer: parsed.maxBuffer,
      maxWatchesPerSession: parsed.maxWatchesPerSession,
      globalOutstandingLimit: parsed.globalOutstandingLimit,
      minSessionTimeout: parsed.minSessionTimeout,
      maxSessionTimeout: parsed.maxSessionTimeout,
      auth: parsed.auth,
      ...parsed.sweep,
      fourLetterWhitelist: parsed.fourLetterWhitelist,
      trustClientAddress: parsed.trustClientAddress,
      api: parsed.api,
      drainTimeoutMs: parsed.drainTimeoutMs,
      mux: parsed.mux,
      redisWaitReplicas: parsed.redisWaitReplicas,
      redisWaitTimeoutMs: parsed.redisWaitTimeoutMs,
      ...(parsed.httpTls === undefined ? {} : { httpTls: parsed.httpTls }),
      logger
    })
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BadNamespaceError) throw new UsageError(err.message)
    io.err(`redkeeper: ${startFailure(err, parsed)}\n`)
    return EXIT_FAILURE
  }

  logger.info({ httpPort: node.httpPort, ...(parsed.httpTls === undefined ? {} : { https: true }), host: parsed.host, namespace: parsed.namespace, version: REDKEEPER_VERSION }, 'ready')

  let exitCode = EXIT_OK
  let stopped: (() => void) | undefined
  const done = new Promise<void>((resolve) => { stopped = resolve })
  let signalled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without waiting for shutdown')
      process.exit(EXIT_FAILURE)
    }
    signalled = true
    logger.info({ signal }, 'shutting down')
    node.close().then(() => stopped?.(), (err: unknown) => {
      logger.error({ err }, 'shutdown failed')
      exitCode = EXIT_FAILURE
      stopped?.()
    })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  await done
  logger.info('stopped')
  return exitCode
}

/** One line saying why the node could not start. */
function startFailure (err: unknown, opts: NodeOptions): string {
  if (err instanceof LibraryNotBuiltError || err instanceof RedisUnreachableError) return firstLine(err.message)
  if (err instanceof RedisEngineError) return `cannot use Redis at ${redactRedisUrl(opts.redisUrl)}: ${firstLine(err.message.replace(/^connect: /, ''))}`
  const e = (err !== null && typeof err === 'object' ? err : {}) as NodeJS.ErrnoException
  if (e.code === 'EADDRINUSE') return `cannot listen on ${opts.host}: port ${opts.httpPort} is already in use`
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${opts.host}: address not available on this machine`
  if (e.code === 'EACCES') return `cannot listen on ${opts.host}:${opts.httpPort}: permission denied`
  return firstLine(err instanceof Error ? err.message : String(err))
}

function firstLine (s: string): string {
  const i = s.indexOf('\n')
  return i === -1 ? s : s.substring(0, i)
}

export const nodeCommand: Command = {
  name: 'node',
  summary: SUMMARIES.node,
  run
}
