// redkeeper as a library: the embedded server and its configuration.
export { startEmbeddedServer, ConfigError, REDKEEPER_VERSION, ZK_VERSION } from './server'
export type { RunningServer, ServerConfig } from './server'
