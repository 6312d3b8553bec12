// Two kinds of store failure call for opposite reactions. Redis answered
// with an error (a Lua error, OOM, a refused argument): the call failed
// inside Redis, before writing anything in all but an engine bug (see
// docs/architecture.md, Atomicity), and trying again elsewhere would fail the
// same way, so the client gets ZooKeeper's SYSTEMERROR. Redis did not answer (connection
// lost, timeout): the outcome is unknown, so the node gives no reply at all
// and drops the WebSocket; the sidecar re-sends through another node, and the
// recorded results keep that from applying anything twice.

/** true when Redis itself answered the call with an error (ioredis ReplyError), at any depth of `cause`. */
export function isStoreRefusal (err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'ReplyError') return true
  }
  return false
}
