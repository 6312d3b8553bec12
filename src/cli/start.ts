// `redkeeper start`: run the embedded server until SIGTERM/SIGINT.

import pino from 'pino'
import { startEmbeddedServer, type RunningServer } from '../server'
import { ConfigError } from '../server/config'
import { REDKEEPER_VERSION } from '../server/version'
import { StoreOpenError } from '../stores/embedded'
import { EXIT_FAILURE, EXIT_OK, UsageError } from './errors'
import { parseFlags, stringFlag } from './flags'
import { bool, logLevel, nonEmpty, port, positiveInt, resolve, type Setting } from './settings'
import type { Command, Io } from './command'
import { AUTH_SETTINGS, resolveAuth } from './auth-settings'
import { FOURLW_SETTINGS } from './fourlw-settings'
import type { AuthConfig } from '../server/auth'
import { ENFORCE_QUOTA, EXTENDED_TYPES, SWEEP_SETTINGS, resolveSweepSettings, type ZnodeSettings } from './sweep-settings'
import { API_BOOLEAN_FLAGS, API_STRING_FLAGS, apiHelpRows, resolveApi } from './api-settings'
import type { ApiAuthConfig } from '../api/credentials'
import { SUMMARIES } from './summaries'
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_WATCHES_PER_SESSION, GLOBAL_OUTSTANDING_LIMIT, MAX_CLIENT_CNXNS, MAX_WATCHES_PER_SESSION } from './limit-settings'
import { DEFAULT_MAX_CLIENT_CNXNS } from '../server/client-limit'
import { CONFIG_HELP_ROW, layerConfigFile } from './config-sources'
import { API_SETTINGS } from './api-settings'
import { TLS_SETTINGS, resolveTls, type TlsSettings } from './tls-settings'

const S = {
  zkPort: { flag: 'zk-port', env: 'REDKEEPER_ZK_PORT', arg: '<port>', parse: port, defaultText: '2181', help: 'ZooKeeper client port; 0 picks a free port' },
  httpPort: { flag: 'http-port', env: 'REDKEEPER_HTTP_PORT', arg: '<port>', parse: port, defaultText: '8080', help: 'HTTP port (/healthz, /readyz, /v1/status, REST API, /openapi.json); 0 picks a free port' },
  host: { flag: 'host', env: 'REDKEEPER_HOST', arg: '<address>', parse: nonEmpty, defaultText: '127.0.0.1', help: 'address both ports listen on' },
  dataDir: { flag: 'data-dir', env: 'REDKEEPER_DATA_DIR', arg: '<dir>', parse: nonEmpty, defaultText: './data', help: 'where the log and snapshots live' },
  tickMs: { flag: 'tick-ms', env: 'REDKEEPER_TICK_MS', arg: '<ms>', parse: positiveInt, defaultText: '2000', help: "ZooKeeper's tickTime: session-timeout bounds and expiry checks" },
  maxClientCnxns: MAX_CLIENT_CNXNS,
  maxWatchesPerSession: MAX_WATCHES_PER_SESSION,
  globalOutstandingLimit: GLOBAL_OUTSTANDING_LIMIT,
  maxBuffer: { flag: 'max-buffer', env: 'REDKEEPER_MAX_BUFFER', arg: '<bytes>', parse: positiveInt, defaultText: '1048575', help: 'largest request frame accepted (jute.maxbuffer)' },
  minSessionTimeout: { flag: 'min-session-timeout', env: 'REDKEEPER_MIN_SESSION_TIMEOUT', arg: '<ms>', parse: positiveInt, defaultText: '2 × tick', help: 'lower bound of negotiated session timeouts' },
  maxSessionTimeout: { flag: 'max-session-timeout', env: 'REDKEEPER_MAX_SESSION_TIMEOUT', arg: '<ms>', parse: positiveInt, defaultText: '20 × tick', help: 'upper bound of negotiated session timeouts' },
  logLevel: { flag: 'log-level', env: 'REDKEEPER_LOG_LEVEL', arg: '<level>', parse: logLevel, defaultText: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
  fsync: { flag: 'fsync', env: 'REDKEEPER_FSYNC', arg: '<bool>', parse: bool, defaultText: 'true', help: 'fsync the log before acknowledging (--no-fsync: tests and benchmarks only)' },
  snapCount: { flag: 'snap-count', env: 'REDKEEPER_SNAP_COUNT', arg: '<records>', parse: positiveInt, defaultText: '100000', help: "a snapshot after this many log records (ZooKeeper's snapCount)" },
  ...AUTH_SETTINGS,
  ...SWEEP_SETTINGS,
  extendedTypes: EXTENDED_TYPES,
  enforceQuota: ENFORCE_QUOTA,
  ...FOURLW_SETTINGS,
  ...TLS_SETTINGS
} satisfies Record<string, Setting<unknown>>

/** Every setting of `start`, for the config file and `config print`. */
export const START_SETTINGS: ReadonlyArray<Setting<unknown>> = [...Object.values(S), ...Object.values(API_SETTINGS)]

const STRING_FLAGS = Object.values(S).filter((s) => s.flag !== 'fsync' && s.arg !== '').map((s) => s.flag)

function help (): string {
  const rows = Object.values(S).map((s) => {
    const left = s.flag === 'fsync' ? '--fsync / --no-fsync' : `--${s.flag} ${s.arg}`.trimEnd()
    return `  ${left.padEnd(36)}${s.help}\n  ${''.padEnd(36)}env ${s.env}, default ${s.defaultText}\n`
  })
  return 'Usage: redkeeper start [options]\n\n' +
    'Runs a ZooKeeper-compatible server (standalone, durable embedded store).\n' +
    'Every option can also be set by its environment variable or in a config\n' +
    'file; a flag beats the environment, which beats the file, which beats the\n' +
    'default.\n\n' +
    'Options:\n' + CONFIG_HELP_ROW + rows.join('') + apiHelpRows().join('') +
    `  ${'-h, --help'.padEnd(36)}show this help\n\n` +
    'When both ports listen, one JSON log line with "msg":"ready" and the\n' +
    'numeric fields zkPort and httpPort is written to stdout.\n' +
    'SIGTERM or SIGINT shuts down gracefully (exit 0).\n'
}

interface StartOptions {
  zkPort: number
  httpPort: number
  host: string
  dataDir: string
  tickMs: number
  maxBuffer: number
  maxClientCnxns: number
  maxWatchesPerSession: number
  globalOutstandingLimit: number
  minSessionTimeout: number | undefined
  maxSessionTimeout: number | undefined
  logLevel: string
  fsync: boolean
  snapCount: number | undefined
  auth: AuthConfig
  sweep: ZnodeSettings
  fourLetterWhitelist: string | undefined
  api: ApiAuthConfig
  tls: TlsSettings
}

export function parseStartArgs (argv: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void = () => {}): StartOptions | 'help' {
  const layered = layerConfigFile(argv, env, START_SETTINGS, 'start')
  for (const w of layered.warnings) warn(w)
  env = layered.env
  const { values } = parseFlags(layered.argv, {
    strings: STRING_FLAGS.concat(API_STRING_FLAGS),
    booleans: ['fsync', 'no-fsync', 'help', EXTENDED_TYPES.flag, ENFORCE_QUOTA.flag, ...API_BOOLEAN_FLAGS],
    short: { h: 'help' }
  })
  if (values.help === true) return 'help'
  if (values.fsync === true && values['no-fsync'] === true) throw new UsageError('--fsync and --no-fsync contradict each other')
  const str = (flag: string): string | undefined => stringFlag(values, flag)
  const fsyncFlag = values['no-fsync'] === true ? 'false' : values.fsync === true ? 'true' : undefined
  const opts: StartOptions = {
    zkPort: resolve(S.zkPort, str('zk-port'), env) ?? 2181,
    httpPort: resolve(S.httpPort, str('http-port'), env) ?? 8080,
    host: resolve(S.host, str('host'), env) ?? '127.0.0.1',
    dataDir: resolve(S.dataDir, str('data-dir'), env) ?? './data',
    tickMs: resolve(S.tickMs, str('tick-ms'), env) ?? 2000,
    maxBuffer: resolve(S.maxBuffer, str('max-buffer'), env) ?? 1048575,
    maxWatchesPerSession: resolve(S.maxWatchesPerSession, str(S.maxWatchesPerSession.flag), env) ?? DEFAULT_MAX_WATCHES_PER_SESSION,
    globalOutstandingLimit: resolve(S.globalOutstandingLimit, str(S.globalOutstandingLimit.flag), env) ?? DEFAULT_GLOBAL_OUTSTANDING_LIMIT,
    maxClientCnxns: resolve(S.maxClientCnxns, str(S.maxClientCnxns.flag), env) ?? DEFAULT_MAX_CLIENT_CNXNS,
    minSessionTimeout: resolve(S.minSessionTimeout, str('min-session-timeout'), env),
    maxSessionTimeout: resolve(S.maxSessionTimeout, str('max-session-timeout'), env),
    logLevel: resolve(S.logLevel, str('log-level'), env) ?? 'info',
    fsync: resolve(S.fsync, fsyncFlag, env) ?? true,
    snapCount: resolve(S.snapCount, str('snap-count'), env),
    auth: resolveAuth(str, env),
    sweep: resolveSweepSettings(values, str, env),
    fourLetterWhitelist: resolve(S.fourLetterWhitelist, str(S.fourLetterWhitelist.flag), env),
    api: resolveApi(str, (flag) => values[flag] === true, env),
    tls: resolveTls(str, env)
  }
  const min = opts.minSessionTimeout ?? 2 * opts.tickMs
  const max = opts.maxSessionTimeout ?? 20 * opts.tickMs
  if (min > max) throw new UsageError(`min session timeout (${min} ms) exceeds max session timeout (${max} ms)`)
  return opts
}

async function run (argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const parsed = parseStartArgs(argv, env, (w) => io.err(`redkeeper: warning: ${w}\n`))
  if (parsed === 'help') {
    io.out(help())
    return EXIT_OK
  }
  const logger = pino({ level: parsed.logLevel, name: 'redkeeper' })

  let server: RunningServer
  let exitCode = EXIT_OK
  let stopped: (() => void) | undefined
  const done = new Promise<void>((resolve) => { stopped = resolve })
  const stop = (code: number): void => {
    exitCode = Math.max(exitCode, code)
    void server.close().then(() => stopped?.(), (err) => {
      logger.error({ err }, 'shutdown failed')
      exitCode = EXIT_FAILURE
      stopped?.()
    })
  }

  try {
    server = await startEmbeddedServer({
      host: parsed.host,
      zkPort: parsed.zkPort,
      httpPort: parsed.httpPort,
      dataDir: parsed.dataDir,
      tickMs: parsed.tickMs,
      maxBuffer: parsed.maxBuffer,
      maxClientCnxns: parsed.maxClientCnxns,
      maxWatchesPerSession: parsed.maxWatchesPerSession,
      globalOutstandingLimit: parsed.globalOutstandingLimit,
      minSessionTimeout: parsed.minSessionTimeout,
      maxSessionTimeout: parsed.maxSessionTimeout,
      fsync: parsed.fsync,
      snapCount: parsed.snapCount,
      auth: parsed.auth,
      ...parsed.sweep,
      fourLetterWhitelist: parsed.fourLetterWhitelist,
      api: parsed.api,
      ...parsed.tls,
      logger,
      onFatal: () => stop(EXIT_FAILURE)
    })
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message)
    io.err(`redkeeper: ${startFailure(err, parsed)}\n`)
    return EXIT_FAILURE
  }

  logger.info({ zkPort: server.zkPort, httpPort: server.httpPort, ...(server.secureZkPort === undefined ? {} : { secureZkPort: server.secureZkPort, secureZkHost: parsed.tls.secureZkHost ?? parsed.host }), ...(parsed.tls.httpTls === undefined ? {} : { https: true }), host: parsed.host, dataDir: parsed.dataDir, version: REDKEEPER_VERSION }, 'ready')

  let signalled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without waiting for shutdown')
      process.exit(EXIT_FAILURE)
    }
    signalled = true
    logger.info({ signal }, 'shutting down')
    stop(EXIT_OK)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  await done
  logger.info('stopped')
  return exitCode
}

/** One line saying why the server could not start. */
function startFailure (err: unknown, opts: StartOptions): string {
  if (err instanceof StoreOpenError) return firstLine(err.message)
  const e = (err !== null && typeof err === 'object' ? err : {}) as NodeJS.ErrnoException
  if (typeof e.code === 'string') {
    if (e.code === 'EADDRINUSE') return `cannot listen on ${opts.host}: port ${portOf(e) ?? '?'} is already in use`
    if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${opts.host}: address not available on this machine`
    if (e.code === 'EACCES') return `cannot listen on ${opts.host}:${portOf(e) ?? '?'}: permission denied`
  }
  return firstLine(err instanceof Error ? err.message : String(err))
}

function portOf (e: NodeJS.ErrnoException): number | undefined {
  const p = (e as { port?: unknown }).port
  return typeof p === 'number' ? p : undefined
}

function firstLine (s: string): string {
  const i = s.indexOf('\n')
  return i === -1 ? s : s.substring(0, i)
}

export const startCommand: Command = {
  name: 'start',
  summary: SUMMARIES.start,
  run
}
