/** @noSelfInFile */
// The Lua bundle's entry: one exported function per Redis Function the
// library registers (scripts/build-lua.js writes the registration). Each one
// is ONE engine call inside ONE FCALL, so it is atomic: Redis runs a Function
// to completion before serving anyone else.
//
// FCALL conventions: keys[0] is the hash-tagged namespace, e.g. "{rk}" (every
// key the adapter touches starts with it, so they share one Cluster slot);
// args are strings; structured values travel as MessagePack (cmsgpack here,
// src/stores/redis/msgpack.ts in Node), byte data as MessagePack str.
//
// Requests reach this file already prepared (src/engine/prepare.ts runs in
// Node: path and ACL-id validity are decided on UTF-16 strings there).

import { Err } from '../../../engine/codes'
import { executePrepared } from '../../../engine/execute'
import { checkSession, closeSession, createSession, expireSessions } from '../../../engine/sessions'
import { initTree } from '../../../engine/tree'
import { sweep as sweepTree } from '../../../engine/sweep'
import { queueEvents } from './queue'
import type { Bytes, Outcome, ZNode } from '../../../engine/types'
import { context, engineOptions, numberArg, prefix, request, text } from './args'
import { parse } from './num'
import { RedisStorage } from './storage'

// The distributed machinery (stateless nodes): queued events, replays, owners, batched touches
export { sessionRequest, sessionCloseQueued, poll } from './requests'
export { sessionNew, sessionAttach, sessionTouchMany, sessionDetach, reap } from './sessions'
export { identitySave, identityRestore } from './identity'

// The functions below (rk_exec, rk_session_create, rk_session_close,
// rk_expire) are the single-caller API: the watch events a call fires come
// back in its reply and the caller delivers them. Stateless nodes use the
// queued functions of requests.ts and sessions.ts instead.

function reply(out: Outcome): string {
  return cmsgpack.pack(out)
}

/** rk_exec: args = [context msgpack, request msgpack, engine options (args.ts)] -> Outcome msgpack */
export function exec(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const ctx = context(args[0])
  const req = request(args[1])
  const store = new RedisStorage(ns, ctx.now)
  // every request from a live session pushes its deadline out (ZooKeeper's touchSession)
  store.touchSession(ctx.session)
  return reply(executePrepared(store, ctx, req, engineOptions(args[2])))
}

/** rk_session_create: args = [id, timeout ms, password hex, now ms] -> Outcome msgpack */
export function sessionCreate(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const id = numberArg(args[0], 'session id')
  const timeout = numberArg(args[1], 'timeout')
  const passwd = text(args[2], 'password')
  const now = numberArg(args[3], 'now')
  const store = new RedisStorage(ns, now)
  return reply(createSession(store, now, id, timeout, passwd))
}

/** rk_session_check: args = [id, password hex] -> 1 if the session lives and the password matches */
export function sessionCheck(keys: string[], args: string[]): number {
  const store = new RedisStorage(prefix(keys), 0)
  return checkSession(store, numberArg(args[0], 'session id'), text(args[1], 'password')) ? 1 : 0
}

/** rk_session_touch: args = [id, now ms] -> 1 if the session lives */
export function sessionTouch(keys: string[], args: string[]): number {
  const ns = prefix(keys)
  const id = numberArg(args[0], 'session id')
  const store = new RedisStorage(ns, numberArg(args[1], 'now'))
  return store.touchSession(id) ? 1 : 0
}

/** rk_session_close: args = [context msgpack] -> Outcome msgpack */
export function sessionClose(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const ctx = context(args[0])
  const store = new RedisStorage(ns, ctx.now)
  if (store.getSession(ctx.session) === undefined) {
    return reply({ err: Err.SESSIONEXPIRED, zxid: store.getZxid(), events: [] })
  }
  return reply(closeSession(store, ctx))
}

/** rk_expire: args = [now ms] -> Outcome msgpack with `expired` */
export function expire(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const now = numberArg(args[0], 'now')
  const store = new RedisStorage(ns, now)
  return cmsgpack.pack(expireSessions(store, now))
}

/**
 * rk_sweep: args = [now ms, limit, engine options (args.ts), maxNeverUsedMs, queue "1"|"0"]
 * -> SweepResult msgpack. The container/TTL sweep (engine/sweep.ts): any node
 * may call it at any time; candidates are checked and deleted in this one
 * FCALL, so racing nodes never delete twice. With queue "1" the events go to
 * the sessions' queues with a notice (as rk_reap's); else the caller delivers
 * them. Two SMEMBERS of empty sets when there is nothing to sweep.
 */
export function sweep(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const now = numberArg(args[0], 'now')
  const limit = numberArg(args[1], 'limit')
  if (limit <= 0) return error('redkeeper: limit must be positive: ' + args[1])
  const store = new RedisStorage(ns, now)
  const out = sweepTree(store, now, { limit, extendedTypes: engineOptions(args[2]).extendedTypes, maxNeverUsedMs: numberArg(args[3], 'maxNeverUsedMs') })
  if (args[4] === '1') {
    queueEvents(store, ns, out.events, undefined)
    out.events = []
  }
  return cmsgpack.pack(out)
}

/** rk_init: creates ZooKeeper's initial tree if the namespace is empty -> last zxid */
export function init(keys: string[], _args: string[]): string {
  const store = new RedisStorage(prefix(keys), 0)
  initTree(store, '' as unknown as Bytes)
  return cmsgpack.pack(store.getZxid())
}

/** rk_node (inspection, read-only): args = [path] -> msgpack of the znode, or of nil */
export function node(keys: string[], args: string[]): string {
  const store = new RedisStorage(prefix(keys), 0)
  const n: ZNode | undefined = store.getNode(text(args[0], 'path'))
  return cmsgpack.pack(n)
}

/** rk_stats (read-only) -> MessagePack [zxid, znodes, sessions, watches, ephemerals, data bytes] */
export function stats(keys: string[], _args: string[]): string {
  const p = prefix(keys) + ':'
  const z = redis.call('GET', p + 'zxid') as string | false
  const c = redis.call('HMGET', p + 'count', 'n', 'w', 'e', 'b') as (string | false)[]
  const sessions = redis.call('ZCARD', p + 'deadlines') as number
  const count = (v: string | false, what: string): number => v === false ? 0 : parse(v, what)
  return cmsgpack.pack([count(z, 'zxid'), count(c[0], 'znode count'), sessions, count(c[1], 'watch count'), count(c[2], 'ephemeral count'), count(c[3], 'data size')])
}
