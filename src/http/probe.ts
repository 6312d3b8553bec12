// What the HTTP routes may ask the server. Kept to a narrow read-only view
// so the HTTP layer never reaches into connection or store internals.

export interface ServerStatus {
  /** redkeeper's own version */
  version: string
  /** the ZooKeeper version we present to clients */
  zookeeperVersion: string
  /** 'node': a stateless service node over Redis (`redkeeper node`) */
  mode: 'standalone' | 'node'
  /** last committed zxid */
  zxid: number
  nodeCount: number
  sessions: number
  connections: number
}

export interface ServerProbe {
  /** the store is open and the ZooKeeper port is accepting connections */
  ready(): boolean | Promise<boolean>
  status(): ServerStatus | Promise<ServerStatus>
}
