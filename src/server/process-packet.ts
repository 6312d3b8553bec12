// What ZooKeeperServer.processPacket decides for one request frame of an
// established session, before anything reaches the request pipeline: the
// header, auth (100), sasl (102), authentication enforcement, and the
// answers the server gives without the engine (whoAmI, reconfig, unknown
// opcodes, unreadable records). The embedded server (src/server/dispatch.ts)
// and the service node (src/node/dispatch.ts) both call this; they differ only
// in how a reply is queued and how the engine is reached.

import type { Logger } from 'pino'
import { Err, OpCode } from '../engine/codes'
import type { Id, Request } from '../engine/types'
import {
  decodeRequest, decodeRequestHeader, encodeReply, JuteDecodeError, sharedWriter,
  UnknownOpcodeError
} from '../protocol'
import type { JuteReader, WireReplyBody } from '../protocol'
import { authIdentities, clientInfo, SaslExchange, type AuthConfig } from './auth'

/** What processPacket needs of the server. */
export interface PacketServer {
  readonly auth: AuthConfig
  readonly log: Logger
  readonly stats: { authFailed: number }
}

/** What processPacket needs of the connection (ServerCnxn). */
export interface PacketConnection {
  /** the client's IP address: the `ip` scheme's identity */
  readonly address: string
  readonly remote: string
  readonly auth: readonly Id[]
  /** this connection's SASL exchange, made at its first SASL packet */
  sasl: SaslExchange | undefined
  addAuth: (id: Id) => void
  sessionHex: () => string
}

/** An answer the server gives itself, in line behind earlier requests. */
export interface Answer {
  xid: number
  type: number
  err: number
  body?: WireReplyBody
  /** undefined: the server's current zxid when the reply leaves */
  zxid: number | undefined
  /** processSasl's failure reply: a SetSASLResponse with a null token after the error header */
  nullSaslToken?: true
  /** close the connection once this reply has left (the reason, for the log) */
  close?: string
}

export type Packet =
  /** the header, or an auth/sasl record, cannot be read: ZooKeeper drops the connection */
  | { kind: 'unreadable', reason: string }
  | { kind: 'ping' }
  | { kind: 'answer', answer: Answer }
  /** for the engine (closeSession included) */
  | { kind: 'submit', xid: number, type: number, req: Request }

/** processPacket: decodes the frame in `r` and decides it. Identities gained are added to `conn` at once. */
export function processPacket (server: PacketServer, conn: PacketConnection, r: JuteReader): Packet {
  let xid: number
  let type: number
  try {
    ({ xid, type } = decodeRequestHeader(r))
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err
    return { kind: 'unreadable', reason: `malformed request header (${err.message})` }
  }

  // auth and sasl come before enforcement: they are how a client gets through it.
  if (type !== OpCode.auth && type !== OpCode.sasl) {
    const refused = enforceAuthentication(server, conn, xid, type)
    if (refused !== undefined) return refused
  }
  if (type === OpCode.ping) return { kind: 'ping' }

  let req
  try {
    req = decodeRequest(type, r)
  } catch (err) {
    if (err instanceof UnknownOpcodeError) {
      // UnimplementedRequestProcessor: an error reply with zxid -1, then close.
      server.log.warn({ peer: conn.remote, session: conn.sessionHex(), type }, 'received packet of unknown type')
      return answer({ xid, type, err: Err.UNIMPLEMENTED, zxid: -1, close: 'unimplemented request' })
    }
    if (err instanceof JuteDecodeError) {
      // processPacket reads AuthPacket and GetSASLRequest itself: an
      // unreadable one is an IOException there, and the connection goes
      // without a reply.
      if (type === OpCode.auth || type === OpCode.sasl) return { kind: 'unreadable', reason: `malformed ${type === OpCode.auth ? 'auth' : 'sasl'} packet (${err.message})` }
      // Any other record is read in the pipeline, which answers
      // MARSHALLINGERROR and keeps the connection.
      server.log.warn({ peer: conn.remote, session: conn.sessionHex(), type }, `malformed request: ${err.message}`)
      return answer({ xid, type, err: Err.MARSHALLINGERROR, zxid: undefined })
    }
    throw err
  }

  switch (req.type) {
    case OpCode.ping: // unreachable (handled above); keeps the union exhaustive
      return { kind: 'ping' }
    case OpCode.auth: {
      // Identities are per connection and count for every later request.
      const ids = authIdentities(req.scheme, req.auth, conn.address, server.auth)
      if (ids !== undefined) {
        for (const id of ids) conn.addAuth(id)
        return answer({ xid, type, err: Err.OK, zxid: 0 })
      }
      server.stats.authFailed++
      server.log.warn({ peer: conn.remote, session: conn.sessionHex(), scheme: req.scheme }, 'authentication failed for scheme')
      return answer({ xid, type, err: Err.AUTHFAILED, zxid: 0, close: 'authentication failed' })
    }
    case OpCode.sasl:
      return processSasl(server, conn, xid, type, req.token)
    case OpCode.whoAmI:
      return answer({ xid, type, err: Err.OK, body: { clientInfo: conn.auth.map(clientInfo) }, zxid: undefined })
    case OpCode.reconfig:
      // A standalone ZooKeeper with reconfigEnabled=false (its default).
      return answer({ xid, type, err: Err.RECONFIGDISABLED, zxid: undefined })
    default:
      return { kind: 'submit', xid, type, req }
  }
}

/** The reply frame of an answer, with the zxid the caller resolved. */
export function encodeAnswer (a: Answer, zxid: number): Buffer {
  if (a.nullSaslToken === true) {
    // encodeReply writes no body after an error; processSasl does (buffer length -1).
    return sharedWriter.begin().int(a.xid).long(zxid).int(a.err).buffer(null).frame()
  }
  return encodeReply(undefined, a.xid, zxid, a.err, a.type, a.body)
}

function answer (a: Answer): Packet {
  return { kind: 'answer', answer: a }
}

/**
 * AuthenticationHelper.enforceAuthentication: with enforcement on, a
 * connection holding none of the required schemes gets
 * SESSIONCLOSEDREQUIRESASLAUTH and is closed (the session is left to expire).
 */
function enforceAuthentication (server: PacketServer, conn: PacketConnection, xid: number, type: number): Packet | undefined {
  const schemes = server.auth.enforceAuthSchemes
  if (schemes === undefined || schemes.length === 0) return undefined
  for (const id of conn.auth) if (schemes.includes(id.scheme)) return undefined
  server.log.warn({ peer: conn.remote, session: conn.sessionHex(), schemes: conn.auth.map((i) => i.scheme) },
    `client authentication scheme(s) do not match the required ones (${schemes.join(',')}), closing the connection`)
  return answer({ xid, type, err: Err.SESSIONCLOSEDREQUIRESASLAUTH, zxid: 0, close: 'authentication required' })
}

/** ZooKeeperServer.processSasl. */
function processSasl (server: PacketServer, conn: PacketConnection, xid: number, type: number, token: Buffer): Packet {
  conn.sasl ??= new SaslExchange(server.auth)
  const res = conn.sasl.step(token)
  if (!('failed' in res)) {
    for (const id of res.ids) conn.addAuth(id)
    return answer({ xid, type, err: Err.OK, body: { token: res.token }, zxid: 0 })
  }
  server.stats.authFailed++
  server.log.warn({ peer: conn.remote, session: conn.sessionHex() }, `SASL authentication failed: ${res.failed}`)
  const required = isSaslAuthRequired(server.auth)
  if (server.auth.allowSaslFailedClients === true && !required) {
    // The connection stays; the reply is an OK with no token.
    return answer({ xid, type, err: Err.OK, body: { token: null }, zxid: 0 })
  }
  const err = required ? Err.SESSIONCLOSEDREQUIRESASLAUTH : Err.AUTHFAILED
  return answer({ xid, type, err, zxid: 0, nullSaslToken: true, close: 'SASL authentication failed' })
}

function isSaslAuthRequired (cfg: AuthConfig): boolean {
  return cfg.enforceAuthSchemes?.includes('sasl') ?? false
}
