import { startRedkeeper, type RedkeeperOptions } from './redkeeper'
import { startTopology, type TopologyOptions } from './topology'
import { startZooKeeper, type ZooKeeperOptions } from './zookeeper'

/**
 * The servers a compatibility test runs against: real ZooKeeper first, to
 * prove the test's expectations, then redkeeper, held to the same ones.
 *
 * RK_TARGETS (comma-separated) picks other targets, e.g. the distributed
 * topologies: `RK_TARGETS=node1,lb3 npx tap test/interop/zkcli.test.ts`
 * runs that suite through sidecar → node → Redis (node1) and sidecar →
 * haproxy → 3 nodes → Redis (lb3). Unset, it is "zookeeper,redkeeper".
 */
export interface Server {
  host: string
  port: number
  /** "127.0.0.1:port" */
  address: string
  /** Stops the server and removes its temp data. */
  stop(): Promise<void>
}

export type TargetName = 'zookeeper' | 'redkeeper' | 'node1' | 'lb3'

export interface Target {
  name: TargetName
  start(): Promise<Server>
}

export interface TargetOptions {
  zookeeper?: ZooKeeperOptions
  redkeeper?: RedkeeperOptions
  topology?: TopologyOptions
  /** overrides RK_TARGETS */
  names?: TargetName[]
}

const ALL: readonly TargetName[] = ['zookeeper', 'redkeeper', 'node1', 'lb3']

/** The target names in RK_TARGETS, or the default pair; an unknown name is an error, not a silent skip. */
export function targetNames (spec = process.env.RK_TARGETS): TargetName[] {
  if (spec === undefined || spec.trim() === '') return ['zookeeper', 'redkeeper']
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const n of names) {
    if (!(ALL as readonly string[]).includes(n)) throw new Error(`RK_TARGETS: unknown target "${n}" (known: ${ALL.join(', ')})`)
  }
  return names as TargetName[]
}

export function targets (opts: TargetOptions = {}): Target[] {
  return (opts.names ?? targetNames()).map((name): Target => {
    switch (name) {
      case 'zookeeper':
        return {
          name,
          async start () {
            const zk = await startZooKeeper(opts.zookeeper)
            return { host: zk.host, port: zk.port, address: zk.address, stop: () => zk.stop() }
          }
        }
      case 'redkeeper':
        return {
          name,
          async start () {
            const rk = await startRedkeeper(opts.redkeeper)
            return { host: rk.host, port: rk.port, address: rk.address, stop: () => rk.destroy() }
          }
        }
      case 'node1':
      case 'lb3':
        return {
          name,
          async start () {
            const topo = await startTopology(name, opts.topology)
            return { host: topo.host, port: topo.port, address: topo.address, stop: () => topo.stop() }
          }
        }
    }
  })
}
