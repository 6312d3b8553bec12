/** @noSelfInFile */
// Connection identities for stateless nodes. ZooKeeper's identities (digest
// via addauth, sasl, super) belong to the client's connection, not to its
// session; with stateless nodes that connection outlives any one node, so
// the node serving it keeps them here, next to the session, scoped to the
// connection's link id (docs/protocol.md, client origin):
//
//   P:s:<id> field il   the link whose identities are kept
//            field ia   those identities, MessagePack written by the node
//                       (opaque here: only stored and handed back)
//
// Being fields of the session's hash, they go with the session when it is
// closed or expires. Only the connection that holds the session (its owner,
// set by a password-checked attach) may write or read them, and a read must
// name the same link: a new connection to the session (CONNECT) starts with
// none, as in ZooKeeper.

import { integerArg, prefix, text } from './args'
import { num } from './num'

/** rk_ident_save: args = [id, owner, link, identities] -> 1 if saved, 0 if owner does not hold the session (or it is gone) */
export function identitySave(keys: string[], args: string[]): number {
  const ns = prefix(keys)
  const id = integerArg(args[0], 'session id')
  const owner = text(args[1], 'owner')
  const link = text(args[2], 'link')
  const ids = text(args[3], 'identities')
  const key = ns + ':s:' + num(id)
  // HGET of a missing session is false: nothing is written, no hash is made
  if (redis.call('HGET', key, 'o') !== owner) return 0
  redis.call('HSET', key, 'il', link, 'ia', ids)
  return 1
}

/**
 * rk_ident_restore: args = [id, owner, link] -> "1" followed by the saved
 * identities when owner holds the session and the kept identities are
 * link's, else "0". (A prefix byte keeps the identities' bytes as they are.)
 */
export function identityRestore(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const id = integerArg(args[0], 'session id')
  const owner = text(args[1], 'owner')
  const link = text(args[2], 'link')
  const r = redis.call('HMGET', ns + ':s:' + num(id), 'o', 'il', 'ia') as (string | false)[]
  if (r[0] !== owner || r[1] !== link || r[2] === false) return '0'
  return '1' + r[2]
}
