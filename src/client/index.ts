// The raw ZooKeeper client used by tests, the CLI and the load generator.

export * from './errors'
export * from './zk-client'
