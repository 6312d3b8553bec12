// Wires the embedded server together: store, ZooKeeper port, HTTP port,
// session expiry, shutdown. Everything with a per-connection job lives in
// connection.ts / handshake.ts / dispatch.ts; this file only assembles.

import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createServer as createTlsServer, type TlsOptions, type TLSSocket } from 'node:tls'
import type { FastifyInstance } from 'fastify'
import { expireSessions, initTree, sweep } from '../engine'
import { KeeperState } from '../engine/codes'
import type { WatchEvent } from '../engine/types'
import { encodeWatchEvent } from '../protocol'
import { EmbeddedStore } from '../stores/embedded'
import { buildHttpApp } from '../http/app'
import { embeddedInspector } from './rest-inspector'
import type { ServerProbe } from '../http/probe'
import { StoreIoMetrics, type MetricsSource } from '../metrics'
import { registerAuthConfig } from './auth'
import { resolveConfig, type ResolvedConfig, type ServerConfig } from './config'
import { ClientCnxnLimit } from './client-limit'
import { Connection } from './connection'
import { dumpConnection, type ConnectionInfo, type FourLetterView } from './fourletter'
import type { Hub } from './hub'
import { Outbox } from './outbox'
import { startSweeper } from './sweeper'
import { EmbeddedRestGateway } from './rest-gateway'
import { EmbeddedWatchGateway, type EmbeddedStream } from './watch-gateway'
import { SessionIdAllocator, SessionRegistry } from './sessions'
import { ServerStats } from './stats'
import { acceptsPeer, loadTlsOptions } from './tls'
import { asSecureContextHolder, watchCertificates, type CertReloader, type ReloadTarget, type SecureContextHolder } from './tls-reload'
import type { ServerStore } from './store'
import { directorySize, maxFileDescriptors, openFileDescriptors } from './system'
import { REDKEEPER_VERSION, ZK_FULL_VERSION, ZK_VERSION } from './version'
import { OutstandingRequests } from './outstanding'

export interface RunningServer {
  zkPort: number
  httpPort: number
  /** the secure (TLS) client port, when configured */
  secureZkPort: number | undefined
  /** the HTTP app (in-process embedding and tests: inject, route table) */
  readonly http: FastifyInstance
  /** Stops accepting, flushes what is durable, closes connections, the HTTP port and the store. */
  close(): Promise<void>
}

/** Deletions per log record in a sweep. */
const SWEEP_BATCH = 1000
/** how often session deadlines are checked: a session goes within this of its deadline */
const EXPIRY_CHECK_MS = 100

/** How long shutdown waits for clients to take their last bytes. */
const CLOSE_GRACE_MS = 2000

export async function startEmbeddedServer (config: ServerConfig): Promise<RunningServer> {
  const cfg = resolveConfig(config)
  const log = cfg.logger
  // before the store opens: a bad key file is a ConfigError at start, not a failed handshake per client
  const tls: TlsSetup = {
    zk: cfg.tls === undefined ? undefined : loadTlsOptions(cfg.tls, 'secure client port'),
    https: cfg.httpTls === undefined ? undefined : loadTlsOptions(cfg.httpTls, 'HTTPS')
  }
  const store: ServerStore = await EmbeddedStore.open({ dataDir: cfg.dataDir, fsync: cfg.fsync, logger: log, snapshotEveryRecords: cfg.snapCount })
  try {
    store.transact(() => initTree(store, Buffer.alloc(0)))
    return await serve(cfg, store, tls)
  } catch (err) {
    await store.close()
    throw err
  }
}

interface TlsSetup { zk: TlsOptions | undefined, https: TlsOptions | undefined }

async function serve (cfg: ResolvedConfig, store: ServerStore, tls: TlsSetup): Promise<RunningServer> {
  const log = cfg.logger
  const tlsOptions = tls.zk
  const httpsOptions = tls.https
  registerAuthConfig(cfg.auth)
  const connections = new Set<Connection>()
  const sessions = new SessionRegistry<Connection>()
  // the watch streams' sessions (src/http/watch.ts): no connection, their events go to the stream
  const watchSinks = new SessionRegistry<EmbeddedStream>()
  const outbox = new Outbox(store)
  const stats = new ServerStats()
  let zkPort = cfg.zkPort
  let secureZkPort: number | undefined
  let listening = false
  let closing: Promise<void> | undefined

  const fourLetter: FourLetterView = {
    fullVersion: ZK_FULL_VERSION,
    whitelist: cfg.fourLetterWhitelist,
    watches: {
      summary: () => store.watchSummary('data'),
      bySession: () => store.watchesBySession('data'),
      byPath: () => store.watchesByPath('data')
    },
    dump: () => ({
      tickTime: cfg.tickMs,
      sessions: store.sessionDeadlines(),
      ephemerals: store.ephemeralsBySession(),
      connections: Array.from(connections, (c) => dumpConnection(connectionInfo(c)))
    }),
    stats,
    connections: () => Array.from(connections, connectionInfo),
    zxid: () => store.getZxid(),
    logRecords: () => store.appliedSeq,
    outstanding: () => outstanding(connections),
    tree: () => store.stats(),
    conf: {
      get clientPort () { return zkPort },
      get secureClientPort () { return secureZkPort },
      dataDir: cfg.dataDir,
      tickTime: cfg.tickMs,
      maxClientCnxns: cfg.maxClientCnxns,
      minSessionTimeout: cfg.minSessionTimeout,
      maxSessionTimeout: cfg.maxSessionTimeout
    },
    dataDirSize: () => directorySize(cfg.dataDir),
    openFileDescriptors,
    maxFileDescriptors,
    resetConnectionStats: () => { for (const c of connections) c.stats.reset() }
  }

  let fatalSeen = false
  const hub: Hub = {
    store,
    outbox,
    sessions,
    ids: new SessionIdAllocator(),
    stats,
    log,
    limits: { maxBuffer: cfg.maxBuffer, maxWatches: cfg.maxWatchesPerSession === 0 ? undefined : cfg.maxWatchesPerSession, minSessionTimeout: cfg.minSessionTimeout, maxSessionTimeout: cfg.maxSessionTimeout },
    outstanding: new OutstandingRequests(cfg.globalOutstandingLimit),
    fourLetter,
    auth: cfg.auth,
    extendedTypes: cfg.extendedTypes,
    enforceQuota: cfg.enforceQuota,
    deliver (events: readonly WatchEvent[]) {
      // One change fans out as a run of events with the same type and path,
      // one per watcher: encode it once and hand every connection the same
      // frame (sockets only read it).
      let frame: Buffer | undefined
      let frameType = -1
      let framePath = ''
      for (const ev of events) {
        const conn = sessions.holder(ev.session)
        // A session without a connection misses the event; its client
        // re-registers with setWatches on reconnect and the engine re-fires
        // what changed since the last zxid it saw.
        if (conn !== undefined && !conn.closing) {
          if (frame === undefined || ev.type !== frameType || ev.path !== framePath) {
            frame = encodeWatchEvent(undefined, ev.type, KeeperState.SyncConnected, ev.path)
            frameType = ev.type
            framePath = ev.path
          }
          conn.send(frame)
          stats.watchEventsSent++
        } else {
          watchSinks.holder(ev.session)?.push(ev)
        }
      }
    },
    forget (conn: Connection) {
      connections.delete(conn)
    },
    fatal (err: unknown) {
      if (fatalSeen) return
      fatalSeen = true
      log.fatal({ err }, 'store failure: no further requests can be acknowledged')
      if (cfg.onFatal !== undefined) cfg.onFatal(err)
      else void running.close()
    }
  }

  // The log failed (an fsync error): nothing more may be acknowledged.
  const onStoreError = (err: unknown): void => hub.fatal(err)
  store.on('error', onStoreError)
  const onDurable = (): void => { stats.logFlushes++ }
  store.on('durable', onDurable)
  const io = new StoreIoMetrics()
  store.on('synced', io.synced)
  store.on('snapshot', io.snapshotted)

  const perClient = new ClientCnxnLimit(cfg.maxClientCnxns, log)
  const accept = (socket: Socket): void => {
    if (closing !== undefined) {
      socket.destroy()
      return
    }
    if (!perClient.admit(socket)) return
    connections.add(new Connection(hub, socket))
  }
  const tcp = createServer(accept)
  tcp.on('error', (err) => log.error({ err }, 'ZooKeeper port error'))
  // The secure port hands the decrypted socket to the same Connection once the handshake is done.
  const clientAuth = cfg.tls?.clientAuth ?? 'need'
  const secure = tlsOptions === undefined
    ? undefined
    : createTlsServer(tlsOptions, (socket: TLSSocket) => {
      if (!acceptsPeer(socket, clientAuth)) {
        log.warn({ peer: socket.remoteAddress, reason: socket.authorizationError }, 'secure client port: client certificate refused')
        socket.destroy()
        return
      }
      accept(socket)
    })
  secure?.on('error', (err) => log.error({ err }, 'secure client port error'))
  // a refused certificate or a plain-text client: one line, the port keeps serving
  secure?.on('tlsClientError', (err, socket) => log.warn({ peer: socket.remoteAddress, err: err.message }, 'secure client port: TLS handshake failed'))

  // Session expiry: every EXPIRY_CHECK_MS (or each tick, if shorter), close
  // the sessions past their deadline (one transaction), tell the watchers,
  // and drop their connections. ZooKeeper rounds each deadline up to the next
  // tick, so its sessions go up to a tickTime late; checking more often only
  // keeps our deadline (last packet + timeout) more exactly, and the scan is
  // a pass over a Map of deadlines.
  const ticker = setInterval(() => {
    if (closing !== undefined) return
    let out
    try {
      out = store.transact(() => expireSessions(store, Date.now())).result
    } catch (err) {
      hub.fatal(err)
      return
    }
    if (out.expired.length === 0) return
    hub.deliver(out.events)
    for (const id of out.expired) {
      log.info({ session: `0x${id.toString(16)}` }, 'session expired')
      watchSinks.holder(id)?.expired()
      const conn = sessions.holder(id)
      if (conn === undefined) continue
      sessions.detach(id, conn)
      conn.closeAfterReplies()
    }
  }, Math.min(cfg.tickMs, EXPIRY_CHECK_MS))

  // ZooKeeper's ContainerManager: empty containers and expired TTL nodes
  // go, one deleteContainer txn each, in log records of at most
  // SWEEP_BATCH deletions so that one record stays small.
  const sweeper = startSweeper({
    sweep: cfg.sweep,
    log,
    run: (limit, now) => {
      let done = 0
      while (done < limit && closing === undefined) {
        const batch = Math.min(limit - done, SWEEP_BATCH)
        let out
        try {
          out = store.transact(() => sweep(store, now, { limit: batch, extendedTypes: cfg.extendedTypes, maxNeverUsedMs: cfg.sweep.maxNeverUsedMs })).result
        } catch (err) {
          hub.fatal(err)
          return done
        }
        hub.deliver(out.events)
        for (const path of out.deleted) log.info({ path }, 'swept container')
        done += out.deleted.length
        if (out.remaining === 0 || out.deleted.length < batch) break
      }
      return done
    }
  })

  const probe: ServerProbe = {
    ready: () => listening && closing === undefined,
    status: () => {
      const t = store.stats()
      return {
        version: REDKEEPER_VERSION,
        zookeeperVersion: ZK_VERSION,
        mode: 'standalone',
        zxid: store.getZxid(),
        nodeCount: t.nodeCount,
        sessions: t.sessionCount,
        connections: connections.size
      }
    }
  }
  const rest = new EmbeddedRestGateway(hub)
  const watch = new EmbeddedWatchGateway(hub, watchSinks)
  const metrics: MetricsSource = {
    stats,
    connections: () => connections.size,
    outstanding: () => outstanding(connections),
    store: () => {
      const t = store.stats()
      return { znodes: t.nodeCount, watches: t.watchCount, sessions: t.sessionCount, ephemerals: t.ephemeralCount, dataSize: t.approximateDataSize, zxid: store.getZxid() }
    },
    logRecords: () => store.appliedSeq,
    storeIo: io
  }
  const http = buildHttpApp({ logger: log, ...(httpsOptions === undefined ? {} : { https: httpsOptions }), probe, rest: { gateway: rest, auth: cfg.api, zkAuth: cfg.auth, inspector: embeddedInspector(store), watch }, metrics })

  try {
    zkPort = await listen(tcp, cfg.zkPort, cfg.host)
    if (secure !== undefined) secureZkPort = await listen(secure, cfg.secureZkPort ?? 0, cfg.secureZkHost)
    listening = true
    await http.listen({ port: cfg.httpPort, host: cfg.host })
  } catch (err) {
    clearInterval(ticker)
    sweeper.stop()
    rest.close()
    tcp.close()
    secure?.close()
    await http.close()
    outbox.detach()
    store.off('error', onStoreError)
    store.off('durable', onDurable)
    store.off('synced', io.synced)
    store.off('snapshot', io.snapshotted)
    throw err
  }
  const httpPort = (http.server.address() as AddressInfo).port
  const reloader = certReloader(cfg, secure, http, log)

  const running: RunningServer = {
    zkPort,
    httpPort,
    secureZkPort,
    http,
    close () {
      closing ??= shutdown()
      return closing
    }
  }

  async function shutdown (): Promise<void> {
    clearInterval(ticker)
    reloader?.close()
    sweeper.stop()
    // REST's own sessions go first: their closes are more records to make durable below
    rest.close()
    void watch.closeAll()
    const accepting = Promise.all([
      new Promise<void>((resolve) => tcp.close(() => resolve())),
      new Promise<void>((resolve) => secure === undefined ? resolve() : secure.close(() => resolve()))
    ])
    // Whatever was already decided reaches disk and its clients before we go.
    try {
      await store.whenDurable(store.appliedSeq)
    } catch (err) {
      log.warn({ err }, 'shutdown: the last log records could not be made durable')
    }
    outbox.release()
    for (const c of connections) c.closeAfterReplies()
    const grace = setTimeout(() => {
      for (const c of connections) c.destroy('shutdown')
    }, CLOSE_GRACE_MS)
    await accepting
    clearTimeout(grace)
    await closeHttp(http)
    outbox.detach()
    store.off('error', onStoreError)
    store.off('durable', onDurable)
    store.off('synced', io.synced)
    store.off('snapshot', io.snapshotted)
    await store.close()
  }

  return running
}

function connectionInfo (c: Connection): ConnectionInfo {
  return { remote: c.remote, interestOps: c.interestOps, queued: c.queued, stats: c.stats, sessionId: c.sessionId, timeout: c.timeout }
}

function outstanding (connections: Set<Connection>): number {
  let n = 0
  for (const c of connections) n += c.queued
  return n
}

function listen (srv: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(port, host, () => {
      srv.off('error', reject)
      resolve((srv.address() as AddressInfo).port)
    })
  })
}

/** New handshakes on the secure port and the HTTPS API follow changes of their PEM files (and SIGHUP). */
function certReloader (cfg: ResolvedConfig, secure: SecureContextHolder | undefined, http: FastifyInstance, log: ResolvedConfig['logger']): CertReloader | undefined {
  const targets: ReloadTarget[] = []
  if (secure !== undefined && cfg.tls !== undefined) targets.push({ what: 'secure client port', files: cfg.tls, server: secure })
  if (cfg.httpTls !== undefined) targets.push({ what: 'HTTPS', files: cfg.httpTls, server: asSecureContextHolder(http.server) })
  return targets.length === 0 ? undefined : watchCertificates(targets, log)
}

async function closeHttp (http: FastifyInstance): Promise<void> {
  try {
    await http.close()
  } catch { /* already closed */ }
}
