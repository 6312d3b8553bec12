// The systems under test, each started from scratch with the test helpers:
// real Apache ZooKeeper 3.8 (Debian), redkeeper embedded, and the distributed
// topologies (sidecar → node → Redis, sidecar → haproxy → 3 nodes → Redis).
// ZooKeeper and embedded fsync every write as they do by default; Redis runs
// with AOF `appendfsync everysec`, as issue 8 prescribes.

import { startTopology, type Topology } from '../test/support/topology'
import { startZooKeeper } from '../test/support/zookeeper'

export const SYSTEMS = ['zookeeper', 'embedded', 'node1', 'lb3'] as const
export type SystemName = typeof SYSTEMS[number]

export const LABELS: Record<SystemName, string> = {
  zookeeper: 'ZooKeeper 3.8.0',
  embedded: 'redkeeper embedded',
  node1: 'redkeeper sidecar→node→Redis',
  lb3: 'redkeeper sidecar→haproxy→3 nodes→Redis'
}

export interface RunningSystem {
  name: SystemName
  /** "host:port" for ZooKeeper clients */
  address: string
  /** every server-side process, by role (the load workers are not here) */
  pids: Record<string, number[]>
  /** redis-server's INFO memory `used_memory`, bytes (distributed only) */
  redisUsedMemory?: () => Promise<number>
  redisUrl?: string
  stop(): Promise<void>
}

export function allPids (s: RunningSystem): number[] {
  return Object.values(s.pids).flat()
}

export async function startSystem (name: SystemName): Promise<RunningSystem> {
  if (name === 'zookeeper') {
    const zk = await startZooKeeper({
      // startZooKeeper tunes the JVM for short-lived test servers (C1 only,
      // 256 MB heap, 4 MB log preallocation); a benchmark wants ZooKeeper as
      // shipped: full JIT, zkServer.sh's 1000 MB heap, 64 MB preallocation.
      // (later flags win)
      jvmFlags: ['-XX:TieredStopAtLevel=4', '-Xmx1000m', '-Dzookeeper.preAllocSize=65536']
    })
    return { name, address: zk.address, pids: { java: [zk.pid] }, stop: () => zk.stop() }
  }
  const topo = await startTopology(name, { redis: { appendonly: true, appendfsync: 'everysec' } })
  return fromTopology(name, topo)
}

function fromTopology (name: SystemName, topo: Topology): RunningSystem {
  const pids: Record<string, number[]> = {}
  if (topo.embedded !== undefined) pids.redkeeper = [topo.embedded.pid]
  if (topo.sidecar !== undefined) pids.sidecar = [topo.sidecar.pid]
  if (topo.haproxy !== undefined) pids.haproxy = [topo.haproxy.pid]
  if (topo.nodes.length > 0) pids.node = topo.nodes.map((n) => n.pid)
  const sys: RunningSystem = { name, address: topo.address, pids, stop: () => topo.stop() }
  const redis = topo.redis
  if (redis !== undefined) {
    pids.redis = [redis.pid]
    sys.redisUrl = redis.url
    sys.redisUsedMemory = async () => Number((await redis.info('memory')).get('used_memory'))
  }
  return sys
}
