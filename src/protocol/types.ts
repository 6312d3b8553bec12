// Records that travel on the wire but are not (yet) engine requests: the
// handshake, the headers, and the opcodes the engine does not implement in
// this milestone. Engine requests come from src/engine/types.ts unchanged.

import type { OpCode, EventType } from '../engine/codes'
import type { Request, ReplyBody } from '../engine/types'

export interface ConnectRequest {
  protocolVersion: number
  lastZxidSeen: number
  timeOut: number
  sessionId: number
  passwd: Buffer
  /** false when the client omitted the byte */
  readOnly: boolean
  /** false for 3.4-era clients that end the record after passwd; answer them without the byte too */
  hasReadOnly: boolean
}

export interface ConnectResponse {
  protocolVersion: number
  /** negotiated session timeout, ms; 0 means the session is expired or unknown */
  timeOut: number
  /** 0 means the session is expired or unknown */
  sessionId: number
  passwd: Buffer
  readOnly?: boolean
}

export interface RequestHeader {
  xid: number
  type: number
}

export interface ReplyHeader {
  xid: number
  zxid: number
  err: number
}

/** AuthPacket, sent with xid -4. */
export interface AuthRequest {
  type: OpCode.auth
  /** the packet's own `type` field (always 0 in practice) */
  authType: number
  scheme: string
  auth: Buffer
}

/** GetSASLRequest: one opaque token. */
export interface SaslRequest {
  type: OpCode.sasl
  token: Buffer
}

/** Sent with xid -2; no body. */
export interface PingRequest {
  type: OpCode.ping
}

// AddWatchRequest and WatchesRequest are engine requests now (src/engine/types.ts).
export type { AddWatchRequest, WatchesRequest } from '../engine/types'

export interface WhoAmIRequest {
  type: OpCode.whoAmI
}

export interface ReconfigRequest {
  type: OpCode.reconfig
  joiningServers: string | null
  leavingServers: string | null
  newMembers: string | null
  curConfigId: number
}

/** Every request the codec decodes: the engine's union plus the protocol-only ones above. */
export type WireRequest =
  | Request
  | AuthRequest
  | SaslRequest
  | PingRequest
  | WhoAmIRequest
  | ReconfigRequest

export interface ClientInfo {
  authScheme: string
  user: string
}

/** ReplyBody plus the response fields of protocol-only opcodes. */
export interface WireReplyBody extends ReplyBody {
  /** whoAmI */
  clientInfo?: ClientInfo[]
  /** sasl */
  token?: Buffer | null
}

export interface WatcherEvent {
  type: EventType
  state: number
  path: string
}
