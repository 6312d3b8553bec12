// The stateless service node (`redkeeper node`): the WebSocket API of
// docs/protocol.md over the Redis store.
export { startNode, type RunningNode } from './node'
export { ConfigError, type NodeConfig } from './config'
export { RedisUnreachableError } from './redis-probe'
export type { NodeBackend, Notice, QueuedEvent, ExecResult, BackendStats } from './backend'
export * from './messages'
