// `redkeeper sidecar`: a ZooKeeper client port carried to service nodes over
// WebSocket, until SIGTERM/SIGINT.

import pino from 'pino'
import { DEFAULT_MUX_SOCKETS, startSidecar, SidecarConfigError, UpstreamUrlError, parseUpstreams, type RunningSidecar } from '../sidecar'
import { ConfigError } from '../server/config'
import type { TlsFiles } from '../server/tls'
import { SECURE_PORT_SETTINGS, resolveSecurePort } from './tls-settings'
import { REDKEEPER_VERSION } from '../server/version'
import { EXIT_FAILURE, EXIT_OK, UsageError } from './errors'
import { parseFlags, stringFlag } from './flags'
import { BadValue, bool, logLevel, port, positiveInt, nonEmpty, resolve, type Parser, type Setting } from './settings'

const upstreams: Parser<string> = (raw) => {
  try {
    parseUpstreams(raw)
  } catch (err) {
    if (err instanceof UpstreamUrlError) throw new BadValue(err.message)
    throw err
  }
  return raw
}
import type { Command, Io } from './command'
import { SUMMARIES } from './summaries'
import { MAX_CLIENT_CNXNS } from './limit-settings'
import { DEFAULT_MAX_CLIENT_CNXNS } from '../server/client-limit'
import { CONFIG_HELP_ROW, layerConfigFile } from './config-sources'

const S = {
  upstream: { flag: 'upstream', env: 'REDKEEPER_UPSTREAM', arg: '<urls>', parse: upstreams, defaultText: '(required)', help: 'node or load balancer URLs, comma-separated (ws://host:port), tried in turn' },
  zkPort: { flag: 'zk-port', env: 'REDKEEPER_ZK_PORT', arg: '<port>', parse: port, defaultText: '2181', help: 'ZooKeeper client port; 0 picks a free port' },
  host: { flag: 'host', env: 'REDKEEPER_HOST', arg: '<address>', parse: nonEmpty, defaultText: '127.0.0.1', help: 'address the client port listens on' },
  maxClientCnxns: MAX_CLIENT_CNXNS,
  maxBuffer: { flag: 'max-buffer', env: 'REDKEEPER_MAX_BUFFER', arg: '<bytes>', parse: positiveInt, defaultText: '1048575', help: 'largest request frame accepted (jute.maxbuffer)' },
  logLevel: { flag: 'log-level', env: 'REDKEEPER_LOG_LEVEL', arg: '<level>', parse: logLevel, defaultText: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
  upstreamMux: { flag: 'upstream-mux', env: 'REDKEEPER_UPSTREAM_MUX', arg: '<true|false>', parse: bool, defaultText: 'true', help: 'carry the client connections over a few shared WebSockets per upstream (/v1/zk/mux; a node without it is served one WebSocket per connection); false: one per connection' },
  upstreamMuxSockets: { flag: 'upstream-mux-sockets', env: 'REDKEEPER_UPSTREAM_MUX_SOCKETS', arg: '<n>', parse: positiveInt, defaultText: '4', help: 'shared WebSockets per upstream (a load balancer spreads them over its nodes)' },
  upstreamCa: { flag: 'upstream-ca', env: 'REDKEEPER_UPSTREAM_CA', arg: '<pem>', parse: nonEmpty, defaultText: "Node's CA roots", help: 'CA certificates wss:// upstreams must chain to (a private CA)' },
  ...SECURE_PORT_SETTINGS
} satisfies Record<string, Setting<unknown>>

/** Every setting of `sidecar`, for the config file and `config print`. */
export const SIDECAR_SETTINGS: ReadonlyArray<Setting<unknown>> = Object.values(S)

function help (): string {
  const rows = Object.values(S).map((s) =>
    `  ${`--${s.flag} ${s.arg}`.padEnd(34)}${s.help}\n  ${''.padEnd(34)}env ${s.env}, default ${s.defaultText}\n`)
  return 'Usage: redkeeper sidecar --upstream ws://host:port[,ws://…] [options]\n\n' +
    'Serves ZooKeeper clients on a local port and carries each connection to a\n' +
    'redkeeper node over WebSocket; when a node dies the connection moves to\n' +
    'another one without the client noticing. Keeps no state of its own.\n' +
    'Every option can also be set by its environment variable or in a config\n' +
    'file; a flag beats the environment, which beats the file, which beats the\n' +
    'default.\n\n' +
    'Options:\n' + CONFIG_HELP_ROW + rows.join('') +
    `  ${'-h, --help'.padEnd(34)}show this help\n\n` +
    'When the port listens, one JSON log line with "msg":"ready" and the\n' +
    'numeric field zkPort is written to stdout.\n' +
    'SIGTERM or SIGINT stops it (exit 0); client sessions live on.\n'
}

export interface SidecarOptions {
  upstreams: string[]
  zkPort: number
  host: string
  maxBuffer: number
  maxClientCnxns: number
  logLevel: string
  upstreamCa: string | undefined
  upstreamMux: boolean
  upstreamMuxSockets: number
  secureZkPort: number | undefined
  secureZkHost: string | undefined
  tls: TlsFiles | undefined
}

export function parseSidecarArgs (argv: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void = () => {}): SidecarOptions | 'help' {
  const layered = layerConfigFile(argv, env, SIDECAR_SETTINGS, 'sidecar')
  for (const w of layered.warnings) warn(w)
  env = layered.env
  const { values } = parseFlags(layered.argv, {
    strings: Object.values(S).map((s) => s.flag),
    booleans: ['help'],
    short: { h: 'help' }
  })
  if (values.help === true) return 'help'
  const str = (flag: string): string | undefined => stringFlag(values, flag)
  const upstream = resolve(S.upstream, str('upstream'), env)
  if (upstream === undefined) throw new UsageError('missing --upstream (or REDKEEPER_UPSTREAM): where the nodes are, e.g. ws://127.0.0.1:8080')
  return {
    upstreams: upstream.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    zkPort: resolve(S.zkPort, str('zk-port'), env) ?? 2181,
    host: resolve(S.host, str('host'), env) ?? '127.0.0.1',
    maxBuffer: resolve(S.maxBuffer, str('max-buffer'), env) ?? 1048575,
    maxClientCnxns: resolve(S.maxClientCnxns, str(S.maxClientCnxns.flag), env) ?? DEFAULT_MAX_CLIENT_CNXNS,
    logLevel: resolve(S.logLevel, str('log-level'), env) ?? 'info',
    upstreamCa: resolve(S.upstreamCa, str('upstream-ca'), env),
    upstreamMux: resolve(S.upstreamMux, str(S.upstreamMux.flag), env) ?? true,
    upstreamMuxSockets: resolve(S.upstreamMuxSockets, str(S.upstreamMuxSockets.flag), env) ?? DEFAULT_MUX_SOCKETS,
    ...resolveSecurePort(str, env)
  }
}

async function run (argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const parsed = parseSidecarArgs(argv, env, (w) => io.err(`redkeeper: warning: ${w}\n`))
  if (parsed === 'help') {
    io.out(help())
    return EXIT_OK
  }
  const logger = pino({ level: parsed.logLevel, name: 'redkeeper-sidecar' })

  let sidecar: RunningSidecar
  try {
    sidecar = await startSidecar({
      upstreams: parsed.upstreams,
      zkPort: parsed.zkPort,
      host: parsed.host,
      maxBuffer: parsed.maxBuffer,
      maxClientCnxns: parsed.maxClientCnxns,
      mux: parsed.upstreamMux,
      muxSockets: parsed.upstreamMuxSockets,
      ...(parsed.upstreamCa === undefined ? {} : { upstreamCa: parsed.upstreamCa }),
      ...(parsed.tls === undefined ? {} : { secureZkPort: parsed.secureZkPort, tls: parsed.tls }),
      ...(parsed.secureZkHost === undefined ? {} : { secureZkHost: parsed.secureZkHost }),
      logger
    })
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SidecarConfigError) throw new UsageError(err.message)
    io.err(`redkeeper: ${listenFailure(err, parsed)}\n`)
    return EXIT_FAILURE
  }
  logger.info({ zkPort: sidecar.zkPort, ...(sidecar.secureZkPort === undefined ? {} : { secureZkPort: sidecar.secureZkPort, secureZkHost: parsed.secureZkHost ?? parsed.host }), host: parsed.host, upstreams: parsed.upstreams, version: REDKEEPER_VERSION }, 'ready')

  await new Promise<void>((resolve) => {
    let signalled = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting without waiting for shutdown')
        process.exit(EXIT_FAILURE)
      }
      signalled = true
      logger.info({ signal }, 'shutting down')
      void sidecar.close().then(resolve)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
  logger.info('stopped')
  return EXIT_OK
}

/** One line saying why the port could not be opened. */
function listenFailure (err: unknown, opts: SidecarOptions): string {
  const e = (err !== null && typeof err === 'object' ? err : {}) as NodeJS.ErrnoException & { port?: unknown }
  const p = typeof e.port === 'number' ? e.port : opts.zkPort
  if (e.code === 'EADDRINUSE') return `cannot listen on ${opts.host}: port ${p} is already in use`
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${opts.host}: address not available on this machine`
  if (e.code === 'EACCES') return `cannot listen on ${opts.host}:${p}: permission denied`
  const msg = err instanceof Error ? err.message : String(err)
  return msg.split('\n')[0]
}

export const sidecarCommand: Command = {
  name: 'sidecar',
  summary: SUMMARIES.sidecar,
  run
}
