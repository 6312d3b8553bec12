import { startRedkeeper, type RedkeeperOptions } from './redkeeper'
import { startZooKeeper, type ZooKeeperOptions } from './zookeeper'

/**
 * The servers a compatibility test runs against: real ZooKeeper first, to
 * prove the test's expectations, then redkeeper, held to the same ones.
 */
export interface Server {
  host: string
  port: number
  /** "127.0.0.1:port" */
  address: string
  /** Stops the server and removes its temp data. */
  stop(): Promise<void>
}

export interface Target {
  name: 'zookeeper' | 'redkeeper'
  start(): Promise<Server>
}

export interface TargetOptions {
  zookeeper?: ZooKeeperOptions
  redkeeper?: RedkeeperOptions
}

export function targets (opts: TargetOptions = {}): Target[] {
  return [
    {
      name: 'zookeeper',
      async start () {
        const zk = await startZooKeeper(opts.zookeeper)
        return { host: zk.host, port: zk.port, address: zk.address, stop: () => zk.stop() }
      }
    },
    {
      name: 'redkeeper',
      async start () {
        const rk = await startRedkeeper(opts.redkeeper)
        return { host: rk.host, port: rk.port, address: rk.address, stop: () => rk.destroy() }
      }
    }
  ]
}
