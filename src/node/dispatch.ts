// One REQUEST body (RequestHeader + record) of an attached session, from
// bytes to a store call. processPacket (shared with the embedded server)
// decides what the frame is; this file answers in line on the WebSocket and
// turns everything else into ONE call to Redis, issued at once (pipelined).

import { Err, OpCode } from '../engine/codes'
import type { Request } from '../engine/types'
import { encodePing, encodeReply } from '../protocol'
import { encodeAnswer, processPacket } from '../server/process-packet'
import type { ExecResult } from './backend'
import type { NodeConnection } from './connection'
import type { NodeHub } from './hub'

export function handleRequest (hub: NodeHub, conn: NodeConnection, body: Buffer): void {
  const start = Date.now()
  const t0 = performance.now()
  const packet = processPacket(hub, conn, conn.reader.reset(body))
  if (packet.kind === 'unreadable') {
    conn.protocolError(packet.reason)
    return
  }
  conn.queued++
  switch (packet.kind) {
    case 'ping':
      // A ping after RESUME comes after the sidecar's replays: owed polls may go.
      conn.releasePolls()
      // No Redis call: the heartbeat is batched (heartbeats.ts) and the zxid
      // is the connection's (see NodeConnection.zxid).
      conn.afterPrevious(() => {
        const zxid = conn.zxid
        conn.sendReply(encodePing(undefined, zxid), -2, zxid, OpCode.ping, Err.OK, start, t0)
      })
      return
    case 'answer': {
      // In line behind earlier requests; identities already count for every
      // request after this one (contexts are built at issue). A SASL identity
      // lasts as long as this node's WebSocket unless the connection hands it
      // on (NodeConnection.addAuth).
      const a = packet.answer
      conn.afterPrevious(() => {
        const zxid = a.zxid ?? conn.zxid
        conn.sendReply(encodeAnswer(a, zxid), a.xid, zxid, a.type, a.err, start, t0)
      })
      if (a.close !== undefined) conn.closeAfter(a.close)
      return
    }
    case 'submit':
      submit(hub, conn, packet.xid, packet.type, packet.req, start, t0)
  }
}

/** Everything else is ONE call to Redis, issued at once (pipelined) and answered in line. */
function submit (hub: NodeHub, conn: NodeConnection, xid: number, type: number, req: Request, start: number, t0: number): void {
  if (req.type === OpCode.closeSession) {
    conn.inLine(hub.backend.closeSession(conn.context(start), xid, conn.delivered, conn.acked, conn.owner), (res) => {
      if (fenced(conn, res)) return
      replyWith(conn, xid, type, res, start, t0)
      conn.closeAfter('session closed')
    }, () => {
      systemError(conn, xid, type, start, t0)
      conn.closeAfter('session close failed')
    }, xid, type)
    // ZooKeeper reads nothing more from a connection that asked to close.
    conn.stopReading()
    return
  }
  conn.inLine(hub.backend.exec(conn.context(start), req, xid, conn.delivered, conn.nextAck(), conn.owner), (res) => {
    if (fenced(conn, res)) return
    replyWith(conn, xid, type, res, start, t0)
  }, () => {
    systemError(conn, xid, type, start, t0)
  }, xid, type)
}

/**
 * The session is held by another connection now (this one was frozen or cut
 * off from Redis while the sidecar resumed elsewhere): nothing ran. No
 * answer is sent: the WebSocket is dropped, and a sidecar still behind it
 * resumes and re-sends what is unanswered.
 */
function fenced (conn: NodeConnection, res: ExecResult): boolean {
  if (res.outcome.err !== Err.SESSIONMOVED) return false
  conn.terminate('the session is held by another connection')
  return true
}

/** Events first, then the reply: the protocol's order guarantee. */
function replyWith (conn: NodeConnection, xid: number, type: number, res: ExecResult, start: number, t0: number): void {
  const out = res.outcome
  if (out.zxid > conn.zxid) conn.zxid = out.zxid
  conn.deliver(res.events)
  conn.sendReply(encodeReply(undefined, xid, out.zxid, out.err, type, out.body), xid, out.zxid, type, out.err, start, t0)
}

/** The store call failed: SYSTEMERROR in line, with the connection's zxid. */
function systemError (conn: NodeConnection, xid: number, type: number, start: number, t0: number): void {
  conn.afterPrevious(() => {
    const zxid = conn.zxid
    conn.sendReply(encodeReply(undefined, xid, zxid, Err.SYSTEMERROR, type), xid, zxid, type, Err.SYSTEMERROR, start, t0)
  })
}
