// Failures of the raw client that are not ZooKeeper answers. A ZooKeeper
// error code is never thrown: it comes back in Reply.err.

import { Err } from '../engine/codes'

/** The TCP connection or the handshake could not be completed. */
export class ConnectError extends Error {
  override name = 'ConnectError'
  constructor (readonly address: string, reason: string) {
    super(`cannot connect to ZooKeeper at ${address}: ${reason}`)
  }
}

/** The server answered the handshake with timeout 0 / session id 0: the session to resume is expired or unknown. */
export class SessionExpiredError extends Error {
  override name = 'SessionExpiredError'
  readonly code = Err.SESSIONEXPIRED
  constructor (readonly address: string, readonly sessionId: bigint) {
    super(`session 0x${sessionId.toString(16)} is expired or unknown: ${address} answered the handshake with timeout 0 and session id 0`)
  }
}

/** The connection dropped while a request waited for its reply (ZooKeeper's CONNECTIONLOSS, seen from the client). */
export class ConnectionLossError extends Error {
  override name = 'ConnectionLossError'
  readonly code = Err.CONNECTIONLOSS
  constructor (reason: string) {
    super(`connection lost: ${reason}`)
  }
}

/** The server broke the protocol (reply out of order, undecodable frame). The connection is dropped. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}
