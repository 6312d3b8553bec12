// Replica acknowledgement for the node (--redis-wait-replicas): a write's
// reply (and the events that come with it) leaves only once the Redis
// replicas hold it, as a ZooKeeper leader answers a write only once a quorum
// has logged it. The backend is wrapped, so the WebSocket API and the REST
// API (same NodeBackend) both wait.
//
// What waits: ZooKeeper's write requests (the ones its PrepRequestProcessor
// turns into a transaction), sync (a client that syncs then reads expects
// what it reads to stay), session creation and closeSession. Reads do not
// wait, nor do heartbeats, expiry, sweeps and watch registrations: none of
// them is acknowledged to a client as a change. See docs/reliability.md,
// "Replica acknowledgement".

import { OpCode } from '../engine/codes'
import type { Request } from '../engine/types'
import type { ReplicaWaiter } from '../stores/redis'
import type { NodeBackend } from './backend'

/** ZooKeeper's transaction-producing requests, plus sync. */
export function awaitsReplicas (req: Request): boolean {
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.setData:
    case OpCode.setACL:
    case OpCode.multi:
    case OpCode.sync:
    case OpCode.closeSession:
      return true
    default:
      return false
  }
}

/** `backend` whose acknowledged changes wait for `waiter` (a rejected confirm rejects the call with ReplicaAckError). */
export function withReplicaAck (backend: NodeBackend, waiter: ReplicaWaiter): NodeBackend {
  const confirmed = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p
    await waiter.confirm()
    return v
  }
  // Not a spread: NodeBackend's implementation is a class (methods on the prototype).
  return {
    createSession: (...a) => confirmed(backend.createSession(...a)),
    attachSession: (...a) => backend.attachSession(...a),
    exec: (ctx, req, ...rest) => awaitsReplicas(req) ? confirmed(backend.exec(ctx, req, ...rest)) : backend.exec(ctx, req, ...rest),
    closeSession: (...a) => confirmed(backend.closeSession(...a)),
    pollEvents: (...a) => backend.pollEvents(...a),
    touch: (...a) => backend.touch(...a),
    expire: (...a) => backend.expire(...a),
    nextDeadline: () => backend.nextDeadline(),
    detach: (...a) => backend.detach(...a),
    sweep: (...a) => backend.sweep(...a),
    saveIdentities: (...a) => backend.saveIdentities(...a),
    restoreIdentities: (...a) => backend.restoreIdentities(...a),
    subscribe: (...a) => backend.subscribe(...a),
    getZxid: () => backend.getZxid(),
    stats: () => backend.stats(),
    inspector: () => backend.inspector(),
    close: () => backend.close()
  }
}
