// `redkeeper sidecar`: a ZooKeeper port on the client's machine whose
// connections are carried to stateless nodes over WebSocket. It keeps no
// authoritative state, so it can be restarted at will; its only job is to
// hide a node's death from the client behind it.

import { createServer, type Server } from 'node:net'
import pino, { type Logger } from 'pino'
import { DEFAULT_MAX_BUFFER } from '../protocol'
import { ClientCnxnLimit, DEFAULT_MAX_CLIENT_CNXNS } from '../server/client-limit'
import { ClientLink, type LinkEnv } from './link'
import { newStats, type SidecarStats } from './stats'
import { parseUpstreams } from './upstreams'

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
  logger?: Logger
}

export interface RunningSidecar {
  readonly host: string
  readonly zkPort: number
  readonly stats: Readonly<SidecarStats>
  /** Stops listening and drops every client connection (each session detached, not closed). */
  close(): Promise<void>
}

/** How often every connection's WebSocket liveness is checked. */
const TICK_MS = 250

/** Starts listening; rejects on a bad upstream URL or when the port cannot be bound. */
export async function startSidecar (cfg: SidecarConfig): Promise<RunningSidecar> {
  const upstreams = parseUpstreams(cfg.upstreams)
  const host = cfg.host ?? '127.0.0.1'
  const log = cfg.logger ?? pino({ level: 'silent' })
  const stats = newStats()
  const links = new Set<ClientLink>()
  let next = 0

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
    forget: (link) => { links.delete(link) }
  }

  // allowHalfOpen: a four-letter word's answer comes from a node, after the
  // client may already have half-closed (`echo ruok | nc`); link.ts ends
  // every other half-closed connection itself.
  const perClient = new ClientCnxnLimit(cfg.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS, log)
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (perClient.admit(socket)) links.add(new ClientLink(env, socket))
  })
  await listen(server, cfg.zkPort ?? 0, host)
  const address = server.address()
  const zkPort = typeof address === 'object' && address !== null ? address.port : 0

  const ticker = setInterval(() => {
    const now = Date.now()
    for (const link of links) link.tick(now)
  }, TICK_MS)
  ticker.unref()

  let closing: Promise<void> | undefined
  return {
    host,
    zkPort,
    stats,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(ticker)
        server.close(() => resolve())
        for (const link of [...links]) link.shutdown()
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
