// One REQUEST body (RequestHeader + record) of an attached session, from
// bytes to a store call. Mirrors src/server/dispatch.ts, which mirrors
// ZooKeeper: pings and auth answered by the node itself, the opcodes the
// engine has no notion of, and error replies. Everything else is ONE call to
// Redis, issued at once (pipelined) and answered in line.

import { Err, OpCode } from '../engine/codes'
import type { ReplyBody, Request } from '../engine/types'
import {
  decodeRequest, decodeRequestHeader, encodePing, encodeReply,
  JuteDecodeError, UnknownOpcodeError
} from '../protocol'
import type { RequestHeader, WireReplyBody, WireRequest } from '../protocol'
import { authIdentities, clientInfo, SaslExchange } from '../server/auth'
import { opName } from '../server/stats'
import type { ExecResult } from './backend'
import type { NodeConnection } from './connection'
import type { NodeHub } from './hub'

export function handleRequest (hub: NodeHub, conn: NodeConnection, body: Buffer): void {
  const start = Date.now()
  const r = conn.reader.reset(body)
  let hdr: RequestHeader
  try {
    hdr = decodeRequestHeader(r)
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err
    // ZooKeeper drops a connection whose header it cannot read.
    conn.protocolError(`malformed request header (${err.message})`)
    return
  }
  const { xid, type } = hdr
  conn.queued++

  if (type === OpCode.ping) {
    // A ping after RESUME comes after the sidecar's replays: owed polls may go.
    conn.releasePolls()
    // No Redis call: the heartbeat is batched (heartbeats.ts) and the zxid
    // is the connection's (see NodeConnection.zxid).
    conn.afterPrevious(() => {
      const zxid = conn.zxid
      conn.sendReply(encodePing(undefined, zxid), -2, zxid, 'PING', start)
    })
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
      answer(hub, conn, xid, type, undefined, Err.MARSHALLINGERROR, undefined, start)
      return
    }
    throw err
  }

  switch (req.type) {
    case OpCode.ping: // unreachable (handled above); keeps the union exhaustive
      return
    case OpCode.auth: {
      // Identities are per connection, as in ZooKeeper. They take effect for
      // every request after this one at once (contexts are built at issue).
      const ids = authIdentities(req.scheme, req.auth, conn.address, hub.auth)
      if (ids !== undefined) {
        for (const id of ids) conn.addAuth(id)
        answer(hub, conn, xid, type, 0, Err.OK, undefined, start)
      } else {
        hub.stats.authFailed++
        hub.log.warn({ peer: conn.remote, session: conn.sessionHex(), scheme: req.scheme }, 'no authentication provider for scheme')
        answer(hub, conn, xid, type, 0, Err.AUTHFAILED, undefined, start)
        conn.closeAfter('authentication failed')
      }
      return
    }
    case OpCode.whoAmI:
      answer(hub, conn, xid, type, undefined, Err.OK, { clientInfo: conn.auth.map(clientInfo) }, start)
      return
    case OpCode.reconfig:
      // As a ZooKeeper with reconfigEnabled=false (its default).
      answer(hub, conn, xid, type, undefined, Err.RECONFIGDISABLED, undefined, start)
      return
    case OpCode.sasl: {
      // Per connection, as in ZooKeeper. The sidecar re-sends only auth
      // packets after a failover, so a SASL identity lasts as long as this
      // node's WebSocket: after one the session goes on without it (a
      // known difference from ZooKeeper, where it lasts the connection).
      conn.sasl ??= new SaslExchange(hub.auth)
      const res = conn.sasl.step(req.token)
      if ('failed' in res) {
        hub.stats.authFailed++
        hub.log.warn({ peer: conn.remote, session: conn.sessionHex() }, `SASL authentication failed: ${res.failed}`)
        answer(hub, conn, xid, type, 0, Err.AUTHFAILED, undefined, start)
        conn.closeAfter('SASL authentication failed')
        return
      }
      for (const id of res.ids) conn.addAuth(id)
      answer(hub, conn, xid, type, 0, Err.OK, { token: res.token }, start)
      return
    }
    case OpCode.closeSession: {
      conn.inLine(hub.backend.closeSession(conn.context(start), xid, conn.delivered, conn.acked), (res) => {
        replyWith(hub, conn, xid, type, res, start)
        conn.closeAfter('session closed')
      }, () => {
        answer(hub, conn, xid, type, undefined, Err.SYSTEMERROR, undefined, start)
        conn.closeAfter('session close failed')
      })
      // ZooKeeper reads nothing more from a connection that asked to close.
      conn.stopReading()
      return
    }
    default: {
      const engineReq: Request = req
      conn.inLine(hub.backend.exec(conn.context(start), engineReq, xid, conn.delivered, conn.acked), (res) => {
        replyWith(hub, conn, xid, type, res, start)
      }, () => {
        answer(hub, conn, xid, type, undefined, Err.SYSTEMERROR, undefined, start)
      })
    }
  }
}

/** Events first, then the reply: the protocol's order guarantee. */
function replyWith (hub: NodeHub, conn: NodeConnection, xid: number, type: number, res: ExecResult, start: number): void {
  const out = res.outcome
  if (out.zxid > conn.zxid) conn.zxid = out.zxid
  conn.deliver(res.events)
  conn.sendReply(encodeReply(undefined, xid, out.zxid, out.err, type, out.body), xid, out.zxid, opName(type), start)
}

/**
 * A reply decided by the node, in line behind earlier requests. `zxid`
 * undefined = the connection's when it leaves (NodeConnection.zxid).
 */
function answer (hub: NodeHub, conn: NodeConnection, xid: number, type: number, zxid: number | undefined, err: number, body: ReplyBody | WireReplyBody | undefined, start: number): void {
  conn.afterPrevious(() => {
    const z = zxid ?? conn.zxid
    conn.sendReply(encodeReply(undefined, xid, z, err, type, body), xid, z, opName(type), start)
  })
}

/** ZooKeeper's UnimplementedRequestProcessor: an error reply (zxid -1), then the connection is closed. */
function unimplemented (hub: NodeHub, conn: NodeConnection, xid: number, type: number, start: number): void {
  hub.log.warn({ peer: conn.remote, session: conn.sessionHex(), type }, 'received packet of unknown type')
  answer(hub, conn, xid, type, -1, Err.UNIMPLEMENTED, undefined, start)
  conn.closeAfter('unimplemented request')
}
