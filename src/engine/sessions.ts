// Session lifecycle as the engine sees it: creation and close are
// transactions with a zxid (ZooKeeper's createSession / closeSession txns);
// close deletes the session's ephemerals and fires their watches. Deadlines
// are the store's business (its session tracker); the engine only asks which
// sessions are past theirs.

import { Err } from './codes'
import { lastSlash, parentOf, rootAlias } from './paths'
import { Txn } from './txn'
import { deleteNode } from './writes'
import type { Context, Outcome, SessionId, Storage } from './types'

export function negotiateTimeout(requested: number, min: number, max: number): number {
  if (requested < min) return min
  if (requested > max) return max
  return requested
}

export function createSession(store: Storage, now: number, id: SessionId, timeout: number, passwd: string): Outcome {
  const txn = new Txn(store, now)
  store.putSession({ id, timeout, passwd })
  txn.commit()
  return { err: Err.OK, zxid: txn.zxid, events: [] }
}

/** True when the session exists and the password matches (a reconnect may resume it). */
export function checkSession(store: Storage, id: SessionId, passwd: string): boolean {
  const s = store.getSession(id)
  return s !== undefined && s.passwd === passwd
}

export function closeSession(store: Storage, ctx: Context): Outcome {
  const txn = new Txn(store, ctx.now)
  // sorted, so that every store fires the watches in the same order
  const paths = store.getEphemerals(ctx.session)
  paths.sort()
  for (const path of paths) {
    const node = txn.get(path)
    if (node === undefined) continue
    const slash = lastSlash(path)
    const parentPath = rootAlias(parentOf(path, slash))
    const parent = txn.get(parentPath)
    if (parent !== undefined) deleteNode(txn, path, parentPath, slash, node, parent)
  }
  const events = txn.commit()
  store.deleteSession(ctx.session)
  store.dropWatches(ctx.session)
  return { err: Err.OK, zxid: txn.zxid, events }
}

/** Close every session whose deadline has passed; one zxid per session, as ZooKeeper. */
export function expireSessions(store: Storage, now: number): Outcome & { expired: SessionId[] } {
  const expired = store.expiredSessions(now)
  const events = []
  for (const session of expired) {
    const out = closeSession(store, { session, now, auth: [] })
    for (const e of out.events) events.push(e)
  }
  return { err: Err.OK, zxid: store.getZxid(), events, expired }
}
