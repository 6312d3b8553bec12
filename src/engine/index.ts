// The one semantics engine: ZooKeeper's behaviour as pure functions over the
// Storage primitives. Both stores run exactly this code (Node for the embedded
// store, Lua inside Redis for the distributed one). This file is the Node
// entry: it adds the JavaScript-side request checks (prepare.ts).
import { executePrepared, type EngineOptions } from './execute'
import { prepareRequest } from './prepare'
import type { Context, Outcome, Request, Storage } from './types'

export * from './codes'
export * from './types'
export { executePrepared, type EngineOptions } from './execute'
export { prepareRequest, pathState } from './prepare'
export { createSession, checkSession, closeSession, expireSessions, negotiateTimeout } from './sessions'
export { initTree } from './tree'
export { NodeClass, INDEXED_CLASSES, CONTAINER_OWNER, MAX_TTL, classify, ttlOf, ttlOwner } from './classify'
export { sweep, sweepCandidates, type SweepOptions, type SweepResult } from './sweep'

/** Execute one ZooKeeper request for ctx.session against store. */
export function execute(store: Storage, ctx: Context, req: Request, opts?: EngineOptions): Outcome {
  return executePrepared(store, ctx, prepareRequest(req), opts)
}
