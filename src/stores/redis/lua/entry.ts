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
import type { Bytes, Context, Outcome, Request, WatchEvent, ZNode } from '../../../engine/types'
import { RedisStorage } from './storage'

// Callers are our own client, but FCALL is open to anyone with access to
// Redis: malformed arguments must fail with a clear error before any write.
function table(arg: string | undefined, what: string): Record<string, unknown> {
  if (arg === undefined) return error('redkeeper: missing ' + what)
  const v = cmsgpack.unpack(arg)
  if (typeof v !== 'object') return error('redkeeper: ' + what + ' is not a MessagePack map')
  return v as Record<string, unknown>
}

function context(arg: string | undefined): Context {
  const c = table(arg, 'context')
  if (typeof c.session !== 'number' || typeof c.now !== 'number' || typeof c.auth !== 'object') {
    return error('redkeeper: context needs numbers session and now, and an auth list')
  }
  return c as unknown as Context
}

function request(arg: string | undefined): Request {
  const r = table(arg, 'request')
  if (typeof r.type !== 'number') return error('redkeeper: request needs a numeric type')
  return r as unknown as Request
}

function text(arg: string | undefined, what: string): string {
  if (arg === undefined) return error('redkeeper: missing ' + what)
  return arg
}

function numberArg(arg: string | undefined, what: string): number {
  const n = tonumber(text(arg, what))
  if (n === undefined) return error('redkeeper: ' + what + ' is not a number: ' + arg)
  return n
}

function prefix(keys: string[]): string {
  const ns = keys[0]
  if (ns === undefined || ns === '') return error('redkeeper: FCALL needs the namespace key, e.g. {rk}')
  return ns
}

/**
 * Hook for the distributed milestone: queue each event on its session's
 * outbox in Redis and announce it on pub/sub, inside the same FCALL so that
 * delivery is as atomic as the change. For now the events go back to the
 * caller in the reply, which delivers them itself.
 */
function dispatch(_store: RedisStorage, events: WatchEvent[]): WatchEvent[] {
  return events
}

function reply(store: RedisStorage, out: Outcome): string {
  out.events = dispatch(store, out.events)
  return cmsgpack.pack(out)
}

/** rk_exec: args = [context msgpack, request msgpack, extendedTypes "1"|"0"] -> Outcome msgpack */
export function exec(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const ctx = context(args[0])
  const req = request(args[1])
  const store = new RedisStorage(ns, ctx.now)
  // every request from a live session pushes its deadline out (ZooKeeper's touchSession)
  store.touchSession(ctx.session)
  return reply(store, executePrepared(store, ctx, req, { extendedTypes: args[2] === '1' }))
}

/** rk_session_create: args = [id, timeout ms, password hex, now ms] -> Outcome msgpack */
export function sessionCreate(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const id = numberArg(args[0], 'session id')
  const timeout = numberArg(args[1], 'timeout')
  const passwd = text(args[2], 'password')
  const now = numberArg(args[3], 'now')
  const store = new RedisStorage(ns, now)
  return reply(store, createSession(store, now, id, timeout, passwd))
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
    return reply(store, { err: Err.SESSIONEXPIRED, zxid: store.getZxid(), events: [] })
  }
  return reply(store, closeSession(store, ctx))
}

/** rk_expire: args = [now ms] -> Outcome msgpack with `expired` */
export function expire(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const now = numberArg(args[0], 'now')
  const store = new RedisStorage(ns, now)
  const out = expireSessions(store, now)
  out.events = dispatch(store, out.events)
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
