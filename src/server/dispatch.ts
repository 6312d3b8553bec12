// One request frame of an established session, from bytes to reply, in the
// embedded server. processPacket (shared with the service node) decides what
// the frame is; this file queues the answers behind the durability barrier
// and runs the engine in a store transaction.

import { closeSession, execute } from '../engine'
import { Err, OpCode } from '../engine/codes'
import type { Context, Outcome, ReplyBody, Request } from '../engine/types'
import { encodePing, encodeReply } from '../protocol'
import type { Connection } from './connection'
import type { Hub } from './hub'
import { encodeAnswer, processPacket } from './process-packet'
import { opLabel } from '../metrics/requests'
import { opName } from './stats'

export function handleRequest (hub: Hub, conn: Connection, frame: Buffer): void {
  const start = Date.now()
  const t0 = performance.now()
  hub.stats.packetsReceived++
  conn.stats.packetsReceived++
  hub.store.touchSession(conn.sessionId, start)

  const packet = processPacket(hub, conn, conn.reader.reset(frame))
  switch (packet.kind) {
    case 'unreadable':
      hub.log.warn({ peer: conn.remote, session: conn.sessionHex() }, `closing connection: ${packet.reason}`)
      conn.destroy(packet.reason)
      return
    case 'ping': {
      const zxid = hub.store.getZxid()
      conn.queued++
      conn.send(encodePing(undefined, zxid), (end) => finished(hub, conn, -2, zxid, OpCode.ping, Err.OK, start, t0, end))
      return
    }
    case 'answer': {
      const a = packet.answer
      const zxid = a.zxid ?? hub.store.getZxid()
      conn.queued++
      conn.send(encodeAnswer(a, zxid), (end) => finished(hub, conn, a.xid, zxid, a.type, a.err, start, t0, end))
      if (a.close !== undefined) conn.closeAfterReplies()
      return
    }
    case 'submit':
      submit(hub, conn, packet.xid, packet.type, packet.req, start, t0)
  }
}

/** The request pipeline: one engine call as one store transaction. */
function submit (hub: Hub, conn: Connection, xid: number, type: number, req: Request, start: number, t0: number): void {
  if (req.type === OpCode.closeSession) {
    const out = run(hub, conn, xid, type, () => closeSession(hub.store, context(hub, conn, start)))
    if (out === undefined) return
    hub.sessions.detach(conn.sessionId, conn)
    hub.deliver(out.events)
    reply(hub, conn, xid, type, out.zxid, out.err, undefined, start, t0)
    conn.closeAfterReplies()
    return
  }
  const out = run(hub, conn, xid, type, () => execute(hub.store, context(hub, conn, start), req, { extendedTypes: hub.extendedTypes, enforceQuota: hub.enforceQuota }))
  if (out === undefined) {
    reply(hub, conn, xid, type, hub.store.getZxid(), Err.SYSTEMERROR, undefined, start, t0)
    return
  }
  hub.deliver(out.events)
  reply(hub, conn, xid, type, out.zxid, out.err, out.body, start, t0)
}

function context (hub: Hub, conn: Connection, now: number): Context {
  return { session: conn.sessionId, now, auth: conn.auth, maxWatches: hub.limits.maxWatches }
}

/** Runs an engine call as one store transaction; undefined when it threw. */
function run (hub: Hub, conn: Connection, xid: number, type: number, fn: () => Outcome): Outcome | undefined {
  try {
    return hub.store.transact(fn).result
  } catch (err) {
    if (isStoreFailure(err)) {
      hub.fatal(err)
      conn.destroy('store failure')
      return undefined
    }
    hub.log.error({ err, peer: conn.remote, session: conn.sessionHex(), xid, op: opLabel(type) }, 'request failed inside the engine')
    return undefined
  }
}

/** The store refuses work (I/O failure, closed): nothing may be acknowledged any more. */
function isStoreFailure (err: unknown): boolean {
  return err instanceof Error && err.name === 'StoreStateError'
}

function reply (hub: Hub, conn: Connection, xid: number, type: number, zxid: number, err: number, body: ReplyBody | undefined, start: number, t0: number): void {
  conn.queued++
  conn.send(encodeReply(undefined, xid, zxid, err, type, body), (end) => finished(hub, conn, xid, zxid, type, err, start, t0, end))
}

/** `start`/`end`: epoch ms; `t0`: arrival on performance.now()'s clock */
function finished (hub: Hub, conn: Connection, xid: number, zxid: number, type: number, err: number, start: number, t0: number, end: number): void {
  conn.queued--
  hub.stats.replied(type, err, start, end, t0)
  conn.stats.response(xid, zxid, opName(type), start, end)
}
