// The one semantics engine: ZooKeeper's behaviour as pure functions over the
// Storage primitives. Both stores run exactly this code (Node for the embedded
// store, Lua inside Redis for the distributed one).
export * from './codes'
export * from './types'
export { execute } from './execute'
export { createSession, checkSession, closeSession, expireSessions, negotiateTimeout } from './sessions'
export { initTree } from './tree'
