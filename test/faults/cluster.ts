// The deployment the fault runs break: redis-server, N nodes (each reaching
// Redis through its own TcpProxy, or with `netns` each in its own network
// namespace with a link of its own to Redis (netns.ts), so one node can be
// cut off from Redis alone), HAProxy in front of the nodes, and S sidecars
// (each → HAProxy), all real processes on loopback (and namespace links).
// Clients spread over the sidecars and move to another one when theirs dies.

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startHaproxy, startNode, startRedis, startSidecar, type HaproxyHandle, type NodeHandle, type RedisHandle, type RedisOptions, type SidecarHandle } from '../support/topology'
import { makeNetns, type NetnsSet } from './netns'
import { startSentinelSet, type SentinelSet } from './sentinel'
import { startTcpProxy, type TcpProxy } from './tcp-proxy'

export interface ClusterOptions {
  nodes?: number
  sidecars?: number
  redis?: RedisOptions
  tickMs?: number
  /** Redis as a primary, a replica and three Sentinels; nodes use the redis-sentinel:// URL (no relays) */
  sentinel?: boolean
  /** each node in its own network namespace, cut off from Redis by taking its Redis link down; the TCP relays when namespaces are not permitted */
  netns?: boolean
}

/** One node's connection to Redis, which a fault can cut while the node stays reachable by its clients. */
export interface RedisCut {
  block(): Promise<void>
  unblock(): Promise<void>
}

export interface FaultCluster {
  /** the first primary (with sentinel: the servers change roles) */
  redis: RedisHandle
  sentinels?: SentinelSet
  proxies: TcpProxy[]
  /** per node: how to cut it off from Redis (its namespace's link, or its relay) */
  cuts: RedisCut[]
  /** how the cuts are made: "netns" or "tcp relay (...why)" */
  cutVia: string
  nodes: NodeHandle[]
  haproxy: HaproxyHandle
  /** current sidecars (a restarted one is replaced, on a new port) */
  sidecars: SidecarHandle[]
  /** the ZooKeeper addresses of the current sidecars */
  addresses(): string[]
  /** kill -9 sidecar i and start a new one in its place */
  replaceSidecar(i: number, down?: () => Promise<void>): Promise<void>
  /** the text of every node log (restarts append to the same file) */
  nodeLogs(): string[]
  /** copies every node and sidecar log (and Redis's) into dir */
  keepLogs(dir: string): void
  stop(): Promise<void>
}

export async function startFaultCluster (opts: ClusterOptions = {}): Promise<FaultCluster> {
  const stoppers: Array<() => Promise<void>> = []
  const stopAll = async (): Promise<void> => {
    for (const s of stoppers.reverse()) await s().catch(() => {})
  }
  try {
    let redis: RedisHandle
    let sentinels: SentinelSet | undefined
    const proxies: TcpProxy[] = []
    let urls: string[]
    let netns: NetnsSet | undefined
    let cutVia = 'tcp relay'
    if (opts.netns === true && opts.sentinel !== true) {
      const made = await makeNetns(opts.nodes ?? 3)
      if ('unavailable' in made) cutVia = `tcp relay (network namespaces unavailable: ${made.unavailable})`
      else {
        const set = made
        netns = set
        cutVia = 'netns'
        stoppers.push(() => set.remove())
      }
    }
    if (opts.sentinel === true) {
      const set = await startSentinelSet()
      sentinels = set
      redis = set.servers[0]
      stoppers.push(async () => {
        for (const r of set.servers) { try { process.kill(r.pid, 'SIGCONT') } catch { /* not running */ } }
        await set.stop()
      })
      urls = Array.from({ length: opts.nodes ?? 3 }, () => set.url)
    } else {
      const r = await startRedis({ ...opts.redis, ...(netns !== undefined ? { bind: netns.redisHosts } : {}) })
      redis = r
      stoppers.push(async () => {
        // a SIGSTOPped Redis would sit out SIGTERM's grace period
        try { process.kill(r.pid, 'SIGCONT') } catch { /* not running */ }
        await r.stop()
      })
      if (netns !== undefined) {
        urls = netns.nodes.map((n) => `redis://${n.redisHost}:${r.port}`)
      } else {
        for (let i = 0; i < (opts.nodes ?? 3); i++) {
          const p = await startTcpProxy(r.port)
          proxies.push(p)
          stoppers.push(() => p.close())
        }
        urls = proxies.map((p) => `redis://127.0.0.1:${p.port}`)
      }
    }
    const nodes = await Promise.all(urls.map((u, i) => startNode(u, {
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      ...(netns !== undefined ? { netns: { name: netns.nodes[i].name, host: netns.nodes[i].host } } : {})
    })))
    const cuts: RedisCut[] = netns !== undefined
      ? netns.nodes
      : proxies.map((p) => ({ block: async () => p.block(), unblock: async () => p.unblock() }))
    for (const n of nodes) {
      stoppers.push(async () => {
        try { if (n.running) n.signal('SIGCONT') } catch { /* gone */ }
        await n.stop()
      })
    }
    const haproxy = await startHaproxy(nodes.map((n) => n.hostPort))
    stoppers.push(() => haproxy.stop())
    await haproxy.waitForServers('UP')
    const sidecars: SidecarHandle[] = []
    const retired: SidecarHandle[] = []
    for (let i = 0; i < (opts.sidecars ?? 2); i++) sidecars.push(await startSidecar([haproxy.url]))
    stoppers.push(async () => { for (const s of sidecars) await s.stop() })
    return {
      redis,
      ...(sentinels !== undefined ? { sentinels } : {}),
      proxies,
      cuts,
      cutVia,
      nodes,
      haproxy,
      sidecars,
      addresses: () => sidecars.map((s) => s.address),
      async replaceSidecar (i, down) {
        await sidecars[i].kill9()
        retired.push(sidecars[i])
        if (down !== undefined) await down()
        sidecars[i] = await startSidecar([haproxy.url])
      },
      keepLogs (dir) {
        mkdirSync(dir, { recursive: true })
        nodes.forEach((n, i) => copyFileSync(n.logFile, join(dir, `node${i}.log`)))
        ;[...retired, ...sidecars].forEach((s, i) => copyFileSync(s.logFile, join(dir, `sidecar${i}.log`)))
        for (const [i, r] of (sentinels?.servers ?? [redis]).entries()) copyFileSync(r.logFile, join(dir, `redis${i}.log`))
      },
      nodeLogs: () => nodes.map((n) => { try { return readFileSync(n.logFile, 'utf8') } catch { return '' } }),
      stop: stopAll
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
