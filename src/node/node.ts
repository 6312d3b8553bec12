// Wires a stateless service node together: RedisEngine, the notice
// subscription, the heartbeat and expiry clocks, and one Fastify instance
// serving the WebSocket API, four-letter words, health and status. Per
// connection work lives in connection.ts / dispatch.ts; this file assembles.
//
// Nothing here is authoritative: the local session table only routes notices
// to sockets, and heartbeats wait at most half a tick before reaching Redis.
// Killing the process at any moment loses nothing a client was told.

import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { SessionId } from '../engine/types'
import { buildHttpApp } from '../http/app'
import { nodeInspector } from './rest-inspector'
import { RedisCallMetrics, type MetricsSource } from '../metrics'
import type { ServerProbe } from '../http/probe'
import { registerAuthConfig } from '../server/auth'
import { SessionRegistry } from '../server/sessions'
import { ServerStats } from '../server/stats'
import { REDKEEPER_VERSION, ZK_VERSION } from '../server/version'
import { libraryVersion, readLibrary, RedisEngine, ReplicaWaiter } from '../stores/redis'
import { withReplicaAck } from './replica-ack'
import type { NodeBackend, Notice } from './backend'
import { redactRedisUrl, resolveNodeConfig, type NodeConfig, type ResolvedNodeConfig } from './config'
import { NodeConnection, type WebSocketLike } from './connection'
import { MuxSocket } from './mux'
import type { NodeFourLetterSource } from './fourletter'
import { Heartbeats } from './heartbeats'
import type { NodeHub } from './hub'
import { probeRedis } from './redis-probe'
import { NodeRestGateway } from './rest-gateway'
import { NodeWatchGateway } from './watch-gateway'
import { nodeRoutes } from './routes'
import { Ticker } from './ticker'
import { keepLibrary } from './library-keeper'
import { loadTlsOptions } from '../server/tls'
import { asSecureContextHolder, watchCertificates } from '../server/tls-reload'
import type { TlsOptions } from 'node:tls'
import { OutstandingRequests } from '../server/outstanding'

export interface RunningNode {
  httpPort: number
  /** the HTTP app (in-process embedding and tests: inject, route table) */
  readonly http: FastifyInstance
  /** the version of the Lua library this node calls (its FCALL names end in it) */
  readonly libraryVersion: string
  /** Drains: stops accepting, tells every sidecar to move (sessions stay), waits for them (at most drainTimeoutMs), then closes the HTTP port and Redis. */
  close(): Promise<void>
}

/** Shutdown gives each Redis step this long. */
const REDIS_GRACE_MS = 1000
/** /readyz gives Redis this long to answer. */
const READY_TIMEOUT_MS = 1000
/**
 * WebSocket messages may exceed jute.maxbuffer by this much before `ws`
 * drops the socket: up to there the node refuses a too-large body itself,
 * with a CLOSE saying why, as ZooKeeper closes a connection for a frame over
 * jute.maxbuffer. (A bare socket drop would make a sidecar re-send it
 * elsewhere.)
 */
const MESSAGE_SLACK = 1024 * 1024

/**
 * A Redis call unanswered this long fails (ioredis commandTimeout). A node
 * cut off from Redis (a dead link that closes no socket, a stalled Redis)
 * still answers its sidecars' WebSocket pings, so without this its clients'
 * requests and its sessions' heartbeats would wait forever while the other
 * nodes expire those sessions. A failed call drops the WebSocket
 * (connection.ts, storeUnreachable) and the sidecar resumes elsewhere, well
 * within the shortest session timeout; a late copy of the call is fenced
 * (lua/requests.ts). One tick, at most half the shortest session timeout.
 */
export function redisCallTimeout (tickMs: number, minSessionTimeout: number): number {
  return Math.max(1000, Math.min(tickMs, Math.floor(minSessionTimeout / 2)))
}

export async function startNode (config: NodeConfig): Promise<RunningNode> {
  const cfg = resolveNodeConfig(config)
  // before Redis: a bad key file is a ConfigError at start
  const https = cfg.httpTls === undefined ? undefined : loadTlsOptions(cfg.httpTls, 'HTTPS')
  const source = cfg.library ?? readLibrary()
  await probeRedis(cfg.redisUrl)
  const engine = await RedisEngine.connect(cfg.redisUrl, {
    namespace: cfg.namespace,
    library: source,
    extendedTypes: cfg.extendedTypes,
    enforceQuota: cfg.enforceQuota
  })
  let waiter: ReplicaWaiter | undefined
  try {
    await engine.init()
    waiter = await replicaWaiter(cfg, engine)
    const node = await serve(cfg, engine, waiter, libraryVersion(source), https)
    // Only once serving: loading the library and the first calls may take
    // longer than a tick on a loaded machine; a node that cannot start says
    // so through probeRedis/connect errors, not through a timeout.
    engine.setCommandTimeout(redisCallTimeout(cfg.tickMs, cfg.minSessionTimeout))
    return node
  } catch (err) {
    await waiter?.close()
    await engine.close().catch(() => {})
    throw err
  }
}

async function serve (cfg: ResolvedNodeConfig, engine: RedisEngine, waiter: ReplicaWaiter | undefined, version: string, https: TlsOptions | undefined): Promise<RunningNode> {
  const log = cfg.logger
  // The compile-time check that RedisEngine offers everything the node uses.
  const store: NodeBackend = engine
  const backend: NodeBackend = waiter === undefined ? store : withReplicaAck(store, waiter)
  registerAuthConfig(cfg.auth)
  const connections = new Set<NodeConnection>()
  /** the sidecars' multiplexed WebSockets (GET /v1/zk/mux): their channels are in `connections` */
  const muxes = new Set<MuxSocket>()
  const sessions = new SessionRegistry<NodeConnection>()
  const heartbeats = new Heartbeats()
  const stats = new ServerStats()
  // ioredis reconnects by itself; without a listener it prints every failed
  // attempt to stderr. One warning per outage is what an operator needs.
  let redisDown = false
  engine.redis.on('error', (err: Error) => {
    if (redisDown) return
    redisDown = true
    log.warn({ err }, 'lost Redis; ioredis keeps reconnecting')
  })
  engine.redis.on('ready', () => {
    if (!redisDown) return
    redisDown = false
    log.info('Redis is back')
  })
  let closing: Promise<void> | undefined
  let httpPort = cfg.httpPort

  const hub: NodeHub = {
    backend,
    log,
    limits: { minSessionTimeout: cfg.minSessionTimeout, maxSessionTimeout: cfg.maxSessionTimeout, maxBuffer: cfg.maxBuffer, maxWatches: cfg.maxWatchesPerSession === 0 ? undefined : cfg.maxWatchesPerSession },
    outstanding: new OutstandingRequests(cfg.globalOutstandingLimit),
    stats,
    sessions,
    heartbeats,
    resumeHoldMs: Math.max(1, Math.floor(cfg.tickMs / 2)),
    auth: cfg.auth,
    trust: cfg.trust,
    forget (conn: NodeConnection) {
      connections.delete(conn)
    }
  }

  // the watch streams' sessions (src/http/watch.ts): no sidecar, this node polls them itself
  const watch = new NodeWatchGateway({ backend, heartbeats, timeout: cfg.maxSessionTimeout, log, stats })

  const closeSessions = (ids: readonly SessionId[], why: string): void => {
    for (const id of ids) sessions.holder(id)?.closeAfter(why)
    watch.gone(ids)
  }

  const onNotice = (n: Notice): void => {
    switch (n.kind) {
      case 'events':
        for (const id of n.sessions) {
          sessions.holder(id)?.poll()
          watch.poll(id)
        }
        return
      case 'expired':
        closeSessions(n.sessions, 'session expired')
        return
      case 'moved': {
        const holder = sessions.holder(n.session)
        if (holder !== undefined && holder.owner !== n.owner) holder.closeAfter('session moved to another connection')
      }
    }
  }
  const unsubscribe = await backend.subscribe(onNotice, {
    // Pub/sub is at-most-once: notices sent while the subscriber was away
    // are lost, so every session served here looks at its queue.
    onReconnect: () => {
      log.info('notice subscription restored; polling every local session')
      for (const c of connections) c.poll()
      watch.pollAll()
    },
    onError: (err) => log.warn({ err }, 'ignoring a message on the notice channel')
  })

  const ticker = new Ticker({ backend, heartbeats, tickMs: cfg.tickMs, sweep: cfg.sweep, log, onGone: closeSessions })
  const library = keepLibrary(engine, log)

  const fourLetter: NodeFourLetterSource = {
    backend,
    whitelist: cfg.fourLetterWhitelist,
    stats,
    connections: () => Array.from(connections, (c) => ({ remote: c.remote, interestOps: c.interestOps, queued: c.queued, stats: c.stats, sessionId: c.sessionId, timeout: c.timeout })),
    outstanding: () => {
      let n = 0
      for (const c of connections) n += c.queued
      return n
    },
    resetConnectionStats: () => { for (const c of connections) c.stats.reset() },
    conf: {
      get clientPort () { return httpPort },
      dataDir: `${redactRedisUrl(cfg.redisUrl)} {${cfg.namespace}}`,
      tickTime: cfg.tickMs,
      minSessionTimeout: cfg.minSessionTimeout,
      maxSessionTimeout: cfg.maxSessionTimeout
    }
  }

  const probe: ServerProbe = {
    ready: () => closing === undefined && storeReady(engine, version),
    status: async () => {
      const s = await backend.stats()
      return {
        version: REDKEEPER_VERSION,
        zookeeperVersion: ZK_VERSION,
        mode: 'node',
        zxid: s.zxid,
        nodeCount: s.nodeCount,
        sessions: s.sessionCount,
        connections: connections.size
      }
    }
  }

  const accept = (ws: WebSocketLike, address: string, port: number): void => {
    if (closing !== undefined) {
      ws.terminate()
      return
    }
    connections.add(new NodeConnection(hub, ws, address, port))
  }
  // One sidecar's WebSocket, many client connections: each channel is served
  // by its own NodeConnection, exactly as a /v1/zk WebSocket is.
  const acceptMux = (ws: WebSocketLike, address: string, port: number): void => {
    if (closing !== undefined) {
      ws.terminate()
      return
    }
    muxes.add(new MuxSocket(ws, {
      log,
      accept: (channel) => accept(channel, address, port),
      onClose: (mux) => { muxes.delete(mux) }
    }))
  }

  const rest = new NodeRestGateway({ backend, heartbeats, timeout: cfg.maxSessionTimeout, maxBuffer: cfg.maxBuffer, log })
  const redisCalls = new RedisCallMetrics()
  engine.observer = redisCalls.record
  const metrics: MetricsSource = {
    stats,
    connections: () => connections.size,
    outstanding: fourLetter.outstanding,
    // one FCALL per scrape: the whole service's numbers, counted in Redis as they change
    store: async () => {
      const s = await backend.stats()
      return { znodes: s.nodeCount, watches: s.watchCount, sessions: s.sessionCount, ephemerals: s.ephemeralCount, dataSize: s.approximateDataSize, zxid: s.zxid }
    },
    redis: redisCalls
  }
  const http = buildHttpApp({
    logger: log,
    ...(https === undefined ? {} : { https }),
    probe,
    rest: { gateway: rest, auth: cfg.api, zkAuth: cfg.auth, inspector: nodeInspector(backend), watch },
    metrics,
    websocket: {
      options: { maxPayload: cfg.maxBuffer + MESSAGE_SLACK },
      // A sidecar that vanishes mid-frame is routine (it was killed): not an error.
      errorHandler: (err, socket) => {
        log.debug({ err }, 'websocket error')
        socket.terminate()
      },
      // Shutdown closes the WebSockets itself (close() below), in line.
      preClose: (done) => { done() }
    }
  })
  await http.register(nodeRoutes, { accept, fourLetter, ...(cfg.mux ? { acceptMux } : {}) })

  try {
    await http.listen({ port: cfg.httpPort, host: cfg.host })
  } catch (err) {
    ticker.stop()
    library.stop()
    await within(rest.close(), REDIS_GRACE_MS)
    await unsubscribe().catch(() => {})
    await closeHttp(http)
    throw err
  }
  httpPort = (http.server.address() as AddressInfo).port
  // new HTTPS handshakes follow changes of the PEM files (and SIGHUP)
  const reloader = cfg.httpTls === undefined ? undefined : watchCertificates([{ what: 'HTTPS', files: cfg.httpTls, server: asSecureContextHolder(http.server) }], log)

  async function shutdown (): Promise<void> {
    // Drain (a rolling restart): /readyz already answers 503 (closing is
    // set) and the port stops accepting, so a load balancer's retry or a
    // sidecar's next attempt lands on another node at once. Then every
    // sidecar is told to move (WebSocket close 1001 once its in-line replies
    // have left): it RESUMEs elsewhere and re-sends what is unanswered, so
    // its ZooKeeper clients see nothing. Heartbeats keep flowing meanwhile,
    // so no session expires while it moves.
    stopAccepting(http)
    reloader?.close()
    const links = connections.size
    const started = Date.now()
    for (const c of connections) c.leave()
    if (await allClosed(connections, cfg.drainTimeoutMs)) log.info({ links, ms: Date.now() - started }, 'drained: every sidecar moved to another node')
    else log.warn({ links, left: connections.size }, 'shutdown: drain timeout; dropping the remaining WebSockets')
    for (const c of connections) c.terminate('shutdown')
    // every channel has ended (ENDED 1001, or dropped): the sockets go too
    for (const m of muxes) m.close(1001, 'node shutting down')
    // REST's own session is closed, not left to expire (bounded: Redis may be down)
    if (!await within(rest.close(), REDIS_GRACE_MS)) log.warn('shutdown: the REST session could not be closed; it will expire')
    if (!await within(watch.closeAll(), REDIS_GRACE_MS)) log.warn('shutdown: the watch streams\' sessions could not be closed; they will expire')
    ticker.stop()
    library.stop()
    // The last heartbeats must reach Redis, or a session heard just now could
    // expire before its sidecar has resumed elsewhere. Every Redis step is
    // bounded: a node must be able to stop while Redis is down.
    if (!await within(ticker.touch(), REDIS_GRACE_MS)) log.warn('shutdown: the last heartbeats did not reach Redis')
    await within(unsubscribe(), REDIS_GRACE_MS)
    await closeHttp(http)
    if (waiter !== undefined) await within(waiter.close(), REDIS_GRACE_MS)
    await within(engine.close(), REDIS_GRACE_MS)
    // QUIT can fail (Redis down; with commandTimeout it times out) and leave
    // ioredis reconnecting forever, holding the process open: always end it.
    engine.redis.disconnect()
  }

  return {
    httpPort,
    http,
    libraryVersion: engine.version,
    close () {
      closing ??= shutdown()
      return closing
    }
  }
}

/**
 * --redis-wait-replicas: WAIT runs on a connection of its own (it blocks
 * the connection it runs on). Too few replicas now is worth a warning, not a
 * refusal: replicas may come later, and until then writes fail visibly.
 */
async function replicaWaiter (cfg: ResolvedNodeConfig, engine: RedisEngine): Promise<ReplicaWaiter | undefined> {
  if (cfg.replicaWait === undefined) return undefined
  const waiter = new ReplicaWaiter(engine.redis.duplicate(), engine.key, cfg.replicaWait)
  const { replicas, timeoutMs } = cfg.replicaWait
  try {
    const connected = await waiter.connectedReplicas()
    if (connected < replicas) cfg.logger.warn({ replicas, connected }, 'fewer Redis replicas connected than --redis-wait-replicas asks: writes fail until enough are')
    else cfg.logger.info({ replicas, connected, timeoutMs }, 'writes are acknowledged once Redis replicas hold them (WAIT)')
  } catch (err) {
    await waiter.close()
    throw err
  }
  return waiter
}

/** Redis answers and holds this build's library (other builds' may be there too: a rolling upgrade). */
async function storeReady (engine: RedisEngine, version: string): Promise<boolean> {
  if (engine.redis.status !== 'ready') return false
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS) })
  const check = engine.libraryLoaded().then((loaded) => loaded && engine.version === version)
  try {
    return await Promise.race([check, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** true if `p` settled within `ms` (its failure is not ours to report at shutdown). */
async function within (p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([p.then(() => true, () => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves true once every connection has gone, false if `ms` passed first. */
function allClosed (connections: Set<NodeConnection>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now()
    const check = (): void => {
      if (connections.size === 0) resolve(true)
      else if (Date.now() - started >= ms) resolve(false)
      else setTimeout(check, 20)
    }
    check()
  })
}

/** Closes the listening socket only: open connections (the WebSockets) carry on until they leave. */
function stopAccepting (http: FastifyInstance): void {
  if (http.server.listening) http.server.close()
}

async function closeHttp (http: FastifyInstance): Promise<void> {
  try {
    await http.close()
  } catch { /* already closed */ }
}
