// The embedded ZooKeeper-compatible server.
export { startEmbeddedServer, type RunningServer } from './server'
export { ConfigError, type ServerConfig } from './config'
export { REDKEEPER_VERSION, ZK_VERSION, ZK_FULL_VERSION } from './version'
