/** @noSelfInFile */
// Per-session event queues and the notices that announce them. A watch event
// is queued in the same FCALL as the change that fired it, so it is exactly
// as durable and as ordered as that change: whichever node serves the
// session next finds it there.
//
//   P:s:<id> field q   last seq handed out for the session (never reset, so a
//                      node's "delivered up to" mark stays valid across queue
//                      clears)
//   P:q:<id>           zset, score seq, member MessagePack [seq, type, path]
//                      (the seq inside keeps two equal events distinct)

import type { SessionId, WatchEvent } from '../../../engine/types'
import { NOTICE_CHANNEL, NOTICE_EVENTS } from '../notice'
import { num } from './num'
import type { RedisStorage } from './storage'

/**
 * Queues each event for its session (events for sessions that no longer
 * exist are dropped, as ZooKeeper drops events for closed connections) and
 * publishes one notice naming the sessions other than `caller`: the caller
 * gets its own events in the reply it is about to receive.
 */
export function queueEvents(store: RedisStorage, ns: string, events: WatchEvent[], caller: SessionId | undefined): void {
  if (events.length === 0) return
  const p = ns + ':'
  const targets: SessionId[] = []
  const seen = new LuaTable<SessionId, boolean>()
  for (const e of events) {
    if (store.getSession(e.session) === undefined) continue
    const id = num(e.session)
    const seq = redis.call('HINCRBY', p + 's:' + id, 'q', '1') as number
    store.noteEventSeq(e.session, seq)
    redis.call('ZADD', p + 'q:' + id, num(seq), cmsgpack.pack([seq, e.type, e.path]))
    if (e.session !== caller && !seen.has(e.session)) {
      seen.set(e.session, true)
      targets.push(e.session)
    }
  }
  if (targets.length > 0) redis.call('PUBLISH', ns + NOTICE_CHANNEL, cmsgpack.pack([NOTICE_EVENTS, targets]))
}

/** The last seq handed out for the session (0 before its first event): known to `store` once it read the session. */
export function lastSeq(store: RedisStorage, ns: string, session: SessionId): number {
  const known = store.eventSeq(session)
  if (known !== undefined) return known
  const v = redis.call('HGET', ns + ':s:' + num(session), 'q') as string | false
  return v === false ? 0 : (tonumber(v) as number)
}

/** Forgets the events the client has been given (seq <= ackSeq). */
export function ackEvents(ns: string, session: SessionId, ackSeq: number): void {
  if (ackSeq > 0) redis.call('ZREMRANGEBYSCORE', ns + ':q:' + num(session), '-inf', num(ackSeq))
}

const NO_EVENTS = string.char(0x90)

/** MessagePack array header for n elements. */
export function arrayHeader(n: number): string {
  if (n < 16) return string.char(0x90 + n)
  if (n < 65536) return struct.pack('>BH', 0xdc, n)
  return struct.pack('>BI4', 0xdd, n)
}

/**
 * The session's queued events after deliveredSeq, in seq order, as one
 * MessagePack array of [seq, type, path]: the stored members are already
 * MessagePack, so they are concatenated, not decoded and encoded again.
 * With `store` (which read the session), a session with no event after
 * deliveredSeq costs no read.
 */
export function pendingEvents(store: RedisStorage | undefined, ns: string, session: SessionId, deliveredSeq: number, upToSeq?: number): string {
  // nothing was queued after deliveredSeq (the usual case): no read at all
  const last = store === undefined ? undefined : store.eventSeq(session)
  if (last !== undefined && last <= deliveredSeq) return NO_EVENTS
  const max = upToSeq === undefined ? '+inf' : num(upToSeq)
  const members = redis.call('ZRANGEBYSCORE', ns + ':q:' + num(session), '(' + num(deliveredSeq), max) as string[]
  return arrayHeader(members.length) + table.concat(members)
}

/** Empties the session's queue (its watches went with its connection); seqs keep growing. */
export function clearEvents(ns: string, session: SessionId): void {
  redis.call('DEL', ns + ':q:' + num(session))
}
