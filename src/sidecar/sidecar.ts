// `redkeeper sidecar`: a ZooKeeper port on the client's machine whose
// connections are carried to stateless nodes over WebSocket. It keeps no
// authoritative state, so it can be restarted at will; its only job is to
// hide a node's death from the client behind it.

import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import pino, { type Logger } from 'pino'
import { DEFAULT_MAX_BUFFER } from '../protocol'
import { ClientCnxnLimit, DEFAULT_MAX_CLIENT_CNXNS } from '../server/client-limit'
import { ClientLink, type LinkEnv } from './link'
import { MuxPool } from './mux'
import { newStats, type SidecarStats } from './stats'
import { parseUpstreams } from './upstreams'
import { acceptsPeer, loadTlsOptions, type TlsFiles } from '../server/tls'
import { watchCertificates } from '../server/tls-reload'
import { UpstreamCaError, watchUpstreamCa, type UpstreamCa } from './upstream-ca'

export interface SidecarConfig {
  /** node URLs (`ws://host:port`), tried in turn; a string may hold a comma-separated list */
  upstreams: string | readonly string[]
  /** default 127.0.0.1 */
  host?: string
  /** ZooKeeper client port; 0 (the default here) picks a free one */
  zkPort?: number
  /** largest frame accepted from a client (jute.maxbuffer) */
  maxBuffer?: number
  /** ZooKeeper's maxClientCnxns: open connections per client address; 0 = no limit; default 60 */
  maxClientCnxns?: number
  /** delay before the second re-attach attempt (the first is immediate); default 50 ms */
  backoffMs?: number
  /** backoff ceiling; default 1000 ms */
  maxBackoffMs?: number
  /** PEM file of the CAs that wss:// upstreams' certificates must chain to (default: Node's bundled roots) */
  upstreamCa?: string
  /** ZooKeeper's secureClientPort: a TLS client port next to the plain one (needs `tls`); 0 picks a free port */
  secureZkPort?: number
  /** address the secure client port listens on (secureClientPortAddress); default `host` */
  secureZkHost?: string
  /** the secure client port's key, certificate, CA and client authentication */
  tls?: TlsFiles
  /** carry client connections over shared WebSockets (GET /v1/zk/mux; falls back per upstream on 404); default true */
  mux?: boolean
  /** shared WebSockets per upstream (a load balancer spreads them over its nodes); default 4 */
  muxSockets?: number
  logger?: Logger
}

export interface RunningSidecar {
  readonly host: string
  readonly zkPort: number
  /** the TLS client port, when configured */
  readonly secureZkPort: number | undefined
  readonly stats: Readonly<SidecarStats>
  /** Stops listening and drops every client connection (each session detached, not closed). */
  close(): Promise<void>
}

/** How often every connection's WebSocket liveness is checked. */
const TICK_MS = 250

/** Shared WebSockets per upstream: behind a load balancer (leastconn) they spread over its nodes. */
export const DEFAULT_MUX_SOCKETS = 4

/** One "certificate refused" warning per upstream per this long: every client's retry hits it. */
const CERT_WARN_EVERY_MS = 10_000

/** A sidecar setting that cannot work (an unreadable CA file). */
export class SidecarConfigError extends Error {
  override name = 'SidecarConfigError'
}

/** Starts listening; rejects on a bad upstream URL or when the port cannot be bound. */
export async function startSidecar (cfg: SidecarConfig): Promise<RunningSidecar> {
  const upstreams = parseUpstreams(cfg.upstreams)
  const host = cfg.host ?? '127.0.0.1'
  const log = cfg.logger ?? pino({ level: 'silent' })
  const stats = newStats()
  const links = new Set<ClientLink>()
  let next = 0
  if ((cfg.secureZkPort === undefined) !== (cfg.tls === undefined)) throw new SidecarConfigError('a secure client port needs both secureZkPort and tls')
  const tlsOptions = cfg.tls === undefined ? undefined : loadTlsOptions(cfg.tls, 'secure client port')
  // re-read on file change and SIGHUP, as the nodes' certificates are: a
  // CA rotation reaches new upstream connections without a restart
  const upstreamCa = cfg.upstreamCa === undefined ? undefined : openUpstreamCa(cfg.upstreamCa, log)
  const warnedAt = new Map<number, number>()
  const muxSockets = cfg.muxSockets ?? DEFAULT_MUX_SOCKETS
  if (!Number.isSafeInteger(muxSockets) || muxSockets < 1) throw new SidecarConfigError(`muxSockets must be a positive integer, got ${muxSockets}`)
  const mux = cfg.mux === false ? undefined : new MuxPool({ upstreams, socketsPerUpstream: muxSockets, log })

  const env: LinkEnv = {
    upstreams,
    nextUpstream: () => {
      const i = next
      next = (next + 1) % upstreams.length
      return i
    },
    maxBuffer: cfg.maxBuffer ?? DEFAULT_MAX_BUFFER,
    backoffMs: cfg.backoffMs ?? 50,
    maxBackoffMs: cfg.maxBackoffMs ?? 1000,
    log,
    stats,
    forget: (link) => { links.delete(link) },
    // a getter: link.ts reads it at every new WebSocket
    get upstreamCa () { return upstreamCa?.current },
    ...(mux === undefined ? {} : { mux }),
    certificateRefused: (i, err) => {
      const now = Date.now()
      if (now - (warnedAt.get(i) ?? 0) < CERT_WARN_EVERY_MS) return
      warnedAt.set(i, now)
      log.warn({ upstream: upstreams[i].label, code: (err as NodeJS.ErrnoException).code, err: err.message },
        `upstream ${upstreams[i].label}: TLS certificate refused (${err.message}); trying the other upstreams${cfg.upstreamCa === undefined ? ' (--upstream-ca trusts a private CA)' : ''}`)
    }
  }

  // allowHalfOpen: a four-letter word's answer comes from a node, after the
  // client may already have half-closed (`echo ruok | nc`); link.ts ends
  // every other half-closed connection itself.
  const perClient = new ClientCnxnLimit(cfg.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS, log)
  const accept = (socket: Socket): void => {
    if (perClient.admit(socket)) links.add(new ClientLink(env, socket))
  }
  const server = createServer({ allowHalfOpen: true }, accept)
  try {
    await listen(server, cfg.zkPort ?? 0, host)
  } catch (err) {
    upstreamCa?.close()
    throw err
  }
  const address = server.address()
  const zkPort = typeof address === 'object' && address !== null ? address.port : 0
  // the secure port: the decrypted socket goes to the same ClientLink once the handshake is done
  const clientAuth = cfg.tls?.clientAuth ?? 'need'
  const secure = tlsOptions === undefined
    ? undefined
    : createTlsServer({ ...tlsOptions, allowHalfOpen: true }, (socket: TLSSocket) => {
      if (!acceptsPeer(socket, clientAuth)) {
        log.warn({ peer: socket.remoteAddress, reason: socket.authorizationError }, 'secure client port: client certificate refused')
        socket.destroy()
        return
      }
      accept(socket)
    })
  secure?.on('tlsClientError', (err, socket) => log.warn({ peer: socket.remoteAddress, err: err.message }, 'secure client port: TLS handshake failed'))
  let secureZkPort: number | undefined
  if (secure !== undefined) {
    try {
      await listen(secure, cfg.secureZkPort ?? 0, cfg.secureZkHost ?? host)
    } catch (err) {
      server.close()
      upstreamCa?.close()
      throw err
    }
    const a = secure.address()
    secureZkPort = typeof a === 'object' && a !== null ? a.port : 0
  }
  // new handshakes on the secure port follow changes of the PEM files (and SIGHUP)
  const reloader = secure === undefined || cfg.tls === undefined ? undefined : watchCertificates([{ what: 'secure client port', files: cfg.tls, server: secure }], log)

  const ticker = setInterval(() => {
    const now = Date.now()
    for (const link of links) link.tick(now)
  }, TICK_MS)
  ticker.unref()

  let closing: Promise<void> | undefined
  return {
    host,
    zkPort,
    secureZkPort,
    stats,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(ticker)
        reloader?.close()
        upstreamCa?.close()
        let open = secure === undefined ? 1 : 2
        const closed = (): void => { if (--open === 0) resolve() }
        server.close(closed)
        secure?.close(closed)
        for (const link of [...links]) link.shutdown()
        // each shared WebSocket closes once its channels' DETACHes have left
        mux?.close()
      })
      return closing
    }
  }
}

function listen (server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function openUpstreamCa (file: string, log: Logger): UpstreamCa {
  try {
    return watchUpstreamCa(file, log)
  } catch (err) {
    if (err instanceof UpstreamCaError) throw new SidecarConfigError(err.message)
    throw err
  }
}
