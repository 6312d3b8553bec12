// One request frame of an established session, from bytes to reply. The
// engine does the ZooKeeper semantics; this file does what ZooKeeperServer,
// FinalRequestProcessor and the auth providers do around it: pings, auth,
// the opcodes the engine has no notion of, and error replies.

import { closeSession, execute } from '../engine'
import { Err, OpCode } from '../engine/codes'
import type { Context, Outcome, ReplyBody } from '../engine/types'
import {
  decodeRequest, decodeRequestHeader, encodePing, encodeReply,
  JuteDecodeError, UnknownOpcodeError
} from '../protocol'
import type { RequestHeader, WireReplyBody, WireRequest } from '../protocol'
import { authIdentities, clientInfo, SaslExchange } from './auth'
import type { Connection } from './connection'
import type { Hub } from './hub'
import { opName } from './stats'

export function handleRequest (hub: Hub, conn: Connection, frame: Buffer): void {
  const start = Date.now()
  hub.stats.packetsReceived++
  conn.stats.packetsReceived++
  hub.store.touchSession(conn.sessionId, start)

  const r = conn.reader.reset(frame)
  let hdr: RequestHeader
  try {
    hdr = decodeRequestHeader(r)
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err
    hub.log.warn({ peer: conn.remote, session: conn.sessionHex() }, `closing connection: malformed request header (${err.message})`)
    conn.destroy('malformed request header')
    return
  }
  const { xid, type } = hdr

  if (type === OpCode.ping) {
    const zxid = hub.store.getZxid()
    conn.queued++
    conn.send(encodePing(undefined, zxid), (end) => finished(hub, conn, -2, zxid, type, start, end))
    return
  }

  let req: WireRequest
  try {
    req = decodeRequest(type, r)
  } catch (err) {
    if (err instanceof UnknownOpcodeError) {
      unimplemented(hub, conn, xid, type, start)
      return
    }
    if (err instanceof JuteDecodeError) {
      // ZooKeeper answers a record it cannot read with MARSHALLINGERROR and
      // keeps the connection.
      hub.log.warn({ peer: conn.remote, session: conn.sessionHex(), type }, `malformed request: ${err.message}`)
      reply(hub, conn, xid, type, hub.store.getZxid(), Err.MARSHALLINGERROR, undefined, start)
      return
    }
    throw err
  }

  switch (req.type) {
    case OpCode.ping: // unreachable (handled above); keeps the union exhaustive
      return
    case OpCode.auth: {
      const ids = authIdentities(req.scheme, req.auth, conn.address, hub.auth)
      if (ids !== undefined) {
        for (const id of ids) conn.addAuth(id)
        reply(hub, conn, xid, type, 0, Err.OK, undefined, start)
      } else {
        hub.stats.authFailed++
        hub.log.warn({ peer: conn.remote, session: conn.sessionHex(), scheme: req.scheme }, 'no authentication provider for scheme')
        reply(hub, conn, xid, type, 0, Err.AUTHFAILED, undefined, start)
        conn.closeAfterReplies()
      }
      return
    }
    case OpCode.whoAmI:
      reply(hub, conn, xid, type, hub.store.getZxid(), Err.OK, { clientInfo: conn.auth.map(clientInfo) }, start)
      return
    case OpCode.reconfig:
      // A standalone ZooKeeper with reconfigEnabled=false (its default).
      reply(hub, conn, xid, type, hub.store.getZxid(), Err.RECONFIGDISABLED, undefined, start)
      return
    case OpCode.sasl: {
      conn.sasl ??= new SaslExchange(hub.auth)
      const res = conn.sasl.step(req.token)
      if ('failed' in res) {
        hub.stats.authFailed++
        hub.log.warn({ peer: conn.remote, session: conn.sessionHex() }, `SASL authentication failed: ${res.failed}`)
        reply(hub, conn, xid, type, 0, Err.AUTHFAILED, undefined, start)
        conn.closeAfterReplies()
        return
      }
      for (const id of res.ids) conn.addAuth(id)
      reply(hub, conn, xid, type, 0, Err.OK, { token: res.token }, start)
      return
    }
    case OpCode.closeSession: {
      const out = run(hub, conn, () => closeSession(hub.store, context(conn, start)))
      if (out === undefined) return
      hub.sessions.detach(conn.sessionId, conn)
      hub.deliver(out.events)
      reply(hub, conn, xid, type, out.zxid, out.err, undefined, start)
      conn.closeAfterReplies()
      return
    }
    default: {
      const engineReq = req
      const out = run(hub, conn, () => execute(hub.store, context(conn, start), engineReq, { extendedTypes: hub.extendedTypes, enforceQuota: hub.enforceQuota }))
      if (out === undefined) {
        reply(hub, conn, xid, type, hub.store.getZxid(), Err.SYSTEMERROR, undefined, start)
        return
      }
      hub.deliver(out.events)
      reply(hub, conn, xid, type, out.zxid, out.err, out.body, start)
    }
  }
}

function context (conn: Connection, now: number): Context {
  return { session: conn.sessionId, now, auth: conn.auth }
}

/** Runs an engine call as one store transaction; undefined when it threw. */
function run (hub: Hub, conn: Connection, fn: () => Outcome): Outcome | undefined {
  try {
    return hub.store.transact(fn).result
  } catch (err) {
    if (isStoreFailure(err)) {
      hub.fatal(err)
      conn.destroy('store failure')
      return undefined
    }
    hub.log.error({ err, peer: conn.remote, session: conn.sessionHex() }, 'request failed inside the engine')
    return undefined
  }
}

/** The store refuses work (I/O failure, closed): nothing may be acknowledged any more. */
function isStoreFailure (err: unknown): boolean {
  return err instanceof Error && err.name === 'StoreStateError'
}

/** ZooKeeper's UnimplementedRequestProcessor: an error reply, then the connection is closed. */
function unimplemented (hub: Hub, conn: Connection, xid: number, type: number, start: number): void {
  hub.log.warn({ peer: conn.remote, session: conn.sessionHex(), type }, 'received packet of unknown type')
  reply(hub, conn, xid, type, -1, Err.UNIMPLEMENTED, undefined, start)
  conn.closeAfterReplies()
}

function reply (hub: Hub, conn: Connection, xid: number, type: number, zxid: number, err: number, body: ReplyBody | WireReplyBody | undefined, start: number): void {
  conn.queued++
  conn.send(encodeReply(undefined, xid, zxid, err, type, body), (end) => finished(hub, conn, xid, zxid, type, start, end))
}

function finished (hub: Hub, conn: Connection, xid: number, zxid: number, type: number, start: number, end: number): void {
  conn.queued--
  hub.stats.latency.add(end - start)
  conn.stats.response(xid, zxid, opName(type), start, end)
}
