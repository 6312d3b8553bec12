/** @noSelfInFile */
// Requests from stateless nodes: one FCALL runs the request, queues the watch
// events it fired, records its outcome for replays, and hands back the
// caller's undelivered events, so a node needs no state of its own to keep
// ZooKeeper's order (events before the reply that follows them).
//
// Reply: a MessagePack array [Outcome, [[seq, type, path]...]]; the Outcome's
// own events are always empty (they are queued).

import { Err, OpCode } from '../../../engine/codes'
import { executePrepared } from '../../../engine/execute'
import { closeSession } from '../../../engine/sessions'
import type { Context, Outcome } from '../../../engine/types'
import { NOTICE_CHANNEL, NOTICE_EXPIRED } from '../notice'
import { context, engineOptions, integerArg, prefix, request } from './args'
import { ackEvents, arrayHeader, lastSeq, pendingEvents, queueEvents } from './queue'
import { changesState, record, recordClose, recorded, recordedClose, requestTag } from './replay'
import { RedisStorage } from './storage'

const NO_EVENTS = arrayHeader(0)

function reply(outcome: string, events: string): string {
  return arrayHeader(2) + outcome + events
}

/**
 * Fencing: a request from a connection that no longer holds the session.
 * A node that was frozen (SIGSTOP, a long GC pause) or cut off from Redis
 * can send, or have stuck in its socket, requests that the sidecar has since
 * re-sent through another node, which answered them; only the last KEEP
 * outcomes are recorded, so a late copy could run a write a second time.
 * The node names its connection (the owner) in every request; once the
 * session is attached elsewhere, the old connection gets SESSIONMOVED, as
 * ZooKeeper answers a connection whose session moved, and nothing runs.
 */
function moved(store: RedisStorage, ctx: Context, owner: string | undefined): string | undefined {
  if (owner === undefined || owner === '') return undefined
  // read with the session (one HMGET, which the engine needs anyway)
  const o = store.owner(ctx.session)
  // a session that is gone is answered by the engine (SESSIONEXPIRED)
  if (o === undefined || o === owner) return undefined
  const out: Outcome = { err: Err.SESSIONMOVED, zxid: store.getZxid(), events: [] }
  return reply(cmsgpack.pack(out), NO_EVENTS)
}

function close(ns: string, ctx: Context, xid: number, deliveredSeq: number, ackSeq: number, owner: string | undefined): string {
  const store = new RedisStorage(ns, ctx.now)
  const session = store.getSession(ctx.session)
  if (session === undefined) {
    const again = recordedClose(ns, ctx.session, xid)
    if (again !== undefined) return reply(again, NO_EVENTS)
    const gone: Outcome = { err: Err.SESSIONEXPIRED, zxid: store.getZxid(), events: [] }
    return reply(cmsgpack.pack(gone), NO_EVENTS)
  }
  const fenced = moved(store, ctx, owner)
  if (fenced !== undefined) return fenced
  ackEvents(ns, ctx.session, ackSeq)
  // events fired before the close are the client's, and precede its reply
  const events = pendingEvents(store, ns, ctx.session, deliveredSeq)
  const out = closeSession(store, ctx)
  queueEvents(store, ns, out.events, ctx.session)
  out.events = []
  const packed = cmsgpack.pack(out)
  recordClose(ns, ctx.session, xid, packed, session.timeout)
  redis.call('PUBLISH', ns + NOTICE_CHANNEL, cmsgpack.pack([NOTICE_EXPIRED, [ctx.session]]))
  return reply(packed, events)
}

/** rk_request: args = [context, request (MessagePack), xid, deliveredSeq, ackSeq, engine options (args.ts), owner (optional: fencing)] */
export function sessionRequest(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const ctx = context(args[0])
  const req = request(args[1])
  const xid = integerArg(args[2], 'xid')
  const deliveredSeq = integerArg(args[3], 'deliveredSeq')
  const ackSeq = integerArg(args[4], 'ackSeq')
  const owner = args[6]
  if (req.type === OpCode.closeSession) return close(ns, ctx, xid, deliveredSeq, ackSeq, owner)
  const store = new RedisStorage(ns, ctx.now)
  const fenced = moved(store, ctx, owner)
  if (fenced !== undefined) return fenced
  ackEvents(ns, ctx.session, ackSeq)
  const write = changesState(req)
  const tag = write ? requestTag(xid, args[1]) : ''
  const again = write ? recorded(ns, ctx.session, xid, tag) : undefined
  // a replay answers in its original place: only the events queued up to
  // then precede it; later ones follow (with the next request or poll)
  if (again !== undefined) return reply(again.outcome, pendingEvents(store, ns, ctx.session, deliveredSeq, again.seq))
  const out = executePrepared(store, ctx, req, engineOptions(args[5]))
  queueEvents(store, ns, out.events, ctx.session)
  out.events = []
  const packed = cmsgpack.pack(out)
  if (write && store.getSession(ctx.session) !== undefined) record(ns, ctx.session, xid, tag, packed, lastSeq(store, ns, ctx.session))
  return reply(packed, pendingEvents(store, ns, ctx.session, deliveredSeq))
}

/** rk_session_close_q: args = [context, xid, deliveredSeq, ackSeq, owner (optional: fencing)] -> as rk_request */
export function sessionCloseQueued(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const ctx = context(args[0])
  return close(ns, ctx, integerArg(args[1], 'xid'), integerArg(args[2], 'deliveredSeq'), integerArg(args[3], 'ackSeq'), args[4])
}

/** rk_poll: args = [session, deliveredSeq, ackSeq] -> MessagePack array of [seq, type, path] */
export function poll(keys: string[], args: string[]): string {
  const ns = prefix(keys)
  const session = integerArg(args[0], 'session id')
  const deliveredSeq = integerArg(args[1], 'deliveredSeq')
  ackEvents(ns, session, integerArg(args[2], 'ackSeq'))
  return pendingEvents(undefined, ns, session, deliveredSeq)
}
