/** @noSelfInFile */
// Session lifecycle for stateless nodes: ids allocated in Redis, an owner
// (the connection currently serving the session), batched heartbeats, expiry
// that queues its events, and notices so that every node hears about it.
//
//   P:sid            last session id handed out (never decreases)
//   P:s:<id> field o owner: an opaque connection name chosen by the node

import { checkSession, createSession, expireSessions } from '../../../engine/sessions'
import type { SessionId } from '../../../engine/types'
import { NOTICE_CHANNEL, NOTICE_EXPIRED, NOTICE_MOVED } from '../notice'
import { integerArg, prefix, text } from './args'
import { num, parse } from './num'
import { clearEvents, queueEvents } from './queue'
import { clearRecords } from './replay'
import { RedisStorage } from './storage'

const MAX_ID = 9007199254740991
/** ids are now × 2048 + a counter, as the embedded server's; unique even across Redis restarts */
const IDS_PER_MS = 2048
/** redis.call arguments per ZADD: Lua's C stack limits how many one call may take */
const ZADD_CHUNK = 2000

/** rk_session_new: args = [timeout ms, password hex, now ms, owner] -> MessagePack [id, Outcome] */
export function sessionNew(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const timeout = integerArg(args[0], 'timeout')
  const passwd = text(args[1], 'password')
  const now = integerArg(args[2], 'now')
  const owner = text(args[3], 'owner')
  if (timeout <= 0) return error('redkeeper: timeout must be positive: ' + args[0])
  const p = ns + ':'
  const last = redis.call('GET', p + 'sid') as string | false
  let id = now * IDS_PER_MS
  if (last !== false) {
    const l = parse(last, 'last session id')
    if (l + 1 > id) id = l + 1
  }
  // ids given by the single-caller API (rk_session_create) are never taken over
  while ((redis.call('EXISTS', p + 's:' + num(id)) as number) === 1) id = id + 1
  if (id > MAX_ID) return error('redkeeper: session ids exhausted (now × 2048 passed 2^53)')
  redis.call('SET', p + 'sid', num(id))
  const store = new RedisStorage(ns, now)
  const out = createSession(store, now, id, timeout, passwd)
  redis.call('HSET', p + 's:' + num(id), 'o', owner)
  return cmsgpack.pack([id, out])
}

/** rk_session_attach's answer when a newer attempt of the same link already attached */
const SUPERSEDED = -2

/**
 * rk_session_attach: args = [id, password hex, now ms, owner, "1" to drop watches
 * (, link, attempt)] -> the session's timeout, -1 if it is gone or the
 * password is wrong, -2 if a later attempt of the same link already attached.
 * A client-level reconnect (a new ZooKeeper connection) drops the watches,
 * the undelivered events and the recorded outcomes of the old connection: its
 * requests were failed by the client and its xids may start again at 1.
 *
 * Why the attempt: a sidecar re-attaching while Redis is away tries node
 * after node, and the attach of an attempt it gave up on is not gone: it
 * waits in that node's ioredis offline queue (or in Redis's socket buffer
 * during a pause) and may run after the attempt that succeeded. Run then, it
 * would take the session for a connection nobody uses and close the live one
 * ('moved'), and the session would expire under a working client. Attempts
 * of one link are numbered by the sidecar, so an older one loses. Fields of
 * the session's hash: `al` (the link that attached last), `an` (its attempt).
 */
export function sessionAttach(keys: string[], args: string[]): number {
  const ns = prefix(keys)
  const id = integerArg(args[0], 'session id')
  const passwd = text(args[1], 'password')
  const now = integerArg(args[2], 'now')
  const owner = text(args[3], 'owner')
  const drop = text(args[4], 'drop flag') === '1'
  const link = args[5] === undefined || args[5] === '' ? undefined : args[5]
  const attempt = link === undefined ? 0 : integerArg(args[6], 'attempt')
  const store = new RedisStorage(ns, now)
  if (!checkSession(store, id, passwd)) return -1
  const key = ns + ':s:' + num(id)
  if (link !== undefined) {
    const r = redis.call('HMGET', key, 'al', 'an') as (string | false)[]
    if (r[0] === link && r[1] !== false && parse(r[1], 'attempt') > attempt) return SUPERSEDED
    redis.call('HSET', key, 'o', owner, 'al', link, 'an', num(attempt))
  } else {
    redis.call('HSET', key, 'o', owner)
  }
  store.touchSession(id)
  if (drop) {
    store.dropWatches(id)
    clearEvents(ns, id)
    clearRecords(ns, id)
  }
  redis.call('PUBLISH', ns + NOTICE_CHANNEL, cmsgpack.pack([NOTICE_MOVED, id, owner]))
  return store.getSession(id)!.timeout
}

/**
 * rk_session_touch_many: args = [id, heardAt ms, id, heardAt ms, ...] -> MessagePack
 * array of the ids that no longer exist. Each deadline is heardAt + timeout:
 * "timeout after the last heartbeat", however late the batch reaches Redis.
 * Deadlines only move out (ZADD GT): a batch that reaches Redis late (its
 * node was frozen, or cut off from Redis) must not pull back a deadline that
 * another node, now serving the session, has pushed further.
 */
export function sessionTouchMany(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const p = ns + ':'
  if (args.length % 2 !== 0) return error('redkeeper: touch takes (session id, heard at) pairs')
  // every argument is checked before the first write
  const ids: SessionId[] = []
  const heard: number[] = []
  for (let i = 0; i < args.length; i += 2) {
    ids.push(integerArg(args[i], 'session id'))
    heard.push(integerArg(args[i + 1], 'heard at'))
  }
  const missing: SessionId[] = []
  let pairs: string[] = []
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const t = redis.call('HGET', p + 's:' + num(id), 't') as string | false
    if (t === false) {
      missing.push(id)
      continue
    }
    pairs.push(num(heard[i] + parse(t, 'session timeout')), num(id))
    if (pairs.length >= ZADD_CHUNK) {
      redis.call('ZADD', p + 'deadlines', 'XX', 'GT', ...pairs)
      pairs = []
    }
  }
  if (pairs.length > 0) redis.call('ZADD', p + 'deadlines', 'XX', 'GT', ...pairs)
  return cmsgpack.pack(missing)
}

/** rk_session_detach: args = [id, owner] -> 1 if owner held the session (its watches are dropped), else 0 */
export function sessionDetach(keys: string[], args: string[]): number {
  const ns = prefix(keys)
  const id = integerArg(args[0], 'session id')
  const owner = text(args[1], 'owner')
  const key = ns + ':s:' + num(id)
  if (redis.call('HGET', key, 'o') !== owner) return 0
  new RedisStorage(ns, 0).dropWatches(id)
  redis.call('HDEL', key, 'o')
  clearEvents(ns, id)
  clearRecords(ns, id)
  return 1
}

/**
 * rk_reap: args = [now ms, limit, cadence ms (optional)] -> MessagePack array
 * of the expired ids. Closes at most `limit` sessions per call so that one
 * call never holds Redis for long; the caller repeats while it gets `limit`
 * back. With a cadence (how often the caller reaps), an outage of the whole
 * service is first given back to the sessions (resumeAfterOutage).
 */
export function reap(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const now = integerArg(args[0], 'now')
  const limit = integerArg(args[1], 'limit')
  if (limit <= 0) return error('redkeeper: limit must be positive: ' + args[1])
  const cadence = args[2] === undefined ? 0 : integerArg(args[2], 'cadence')
  if (cadence > 0) resumeAfterOutage(ns + ':', cadence)
  const store = new RedisStorage(ns, now, limit)
  const out = expireSessions(store, now)
  queueEvents(store, ns, out.events, undefined)
  if (out.expired.length > 0) redis.call('PUBLISH', ns + NOTICE_CHANNEL, cmsgpack.pack([NOTICE_EXPIRED, out.expired]))
  return cmsgpack.pack(out.expired)
}

/** Redis's own clock in ms: the same for every node, and it runs on while no node does. */
function redisNow(): number {
  const t = redis.call('TIME') as string[]
  return parse(t[0], 'TIME') * 1000 + Math.floor(parse(t[1], 'TIME') / 1000)
}

/**
 * Every node reaps every `cadence` ms, and each reap stamps `P:reaped` with
 * Redis's clock. A longer gap means nobody could reap: every node was down,
 * or Redis itself was (restarted, paused, failed over). No client could
 * heartbeat meanwhile either, so the time beyond the usual cadence is given
 * back to every deadline before anything expires, as a new ZooKeeper leader
 * starts every session's timeout afresh; clients then have their whole
 * timeout to reconnect. Only the excess over the cadence is given back, so a
 * reaper that is merely late (an overloaded node) still expires sessions.
 * Reaps queued in Redis during a pause run back to back when it ends: each
 * carries the node's clock of when it was sent, which is why the gap is
 * measured with Redis's.
 */
function resumeAfterOutage(p: string, cadence: number): void {
  const at = redisNow()
  const last = redis.call('GET', p + 'reaped') as string | false
  redis.call('SET', p + 'reaped', num(at))
  if (last === false) return
  const gap = at - parse(last, 'reaped')
  // jitter of a tick or so is normal; an outage is at least a missed tick more
  if (gap <= cadence * 2) return
  const back = gap - cadence
  const flat = redis.call('ZRANGE', p + 'deadlines', '0', '-1', 'WITHSCORES') as string[]
  let pairs: string[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) {
    pairs.push(num(parse(flat[i + 1], 'deadline') + back), flat[i])
    if (pairs.length >= ZADD_CHUNK) {
      redis.call('ZADD', p + 'deadlines', 'XX', ...pairs)
      pairs = []
    }
  }
  if (pairs.length > 0) redis.call('ZADD', p + 'deadlines', 'XX', ...pairs)
  redis.log(redis.LOG_WARNING, 'redkeeper: no session reaped for ' + num(gap) + ' ms; ' + num(flat.length / 2) + ' session deadlines moved ' + num(back) + ' ms later')
}
