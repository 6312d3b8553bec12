// What every connection of a node shares: the store, the local session
// table, heartbeats and counters. Only caches and counters live here; every
// fact a client could depend on is in Redis.

import type { Logger } from 'pino'
import type { SessionRegistry } from '../server/sessions'
import type { ServerStats } from '../server/stats'
import type { NodeBackend } from './backend'
import type { Heartbeats } from './heartbeats'
import type { NodeConnection } from './connection'
import type { AuthConfig } from '../server/auth'
import type { PeerTrust } from './trust'
import type { OutstandingRequests } from '../server/outstanding'

export interface NodeLimits {
  minSessionTimeout: number
  maxSessionTimeout: number
  /** jute.maxbuffer: the largest ConnectRequest or request body accepted */
  maxBuffer: number
  /** watch registrations per session (Context.maxWatches); undefined: none */
  maxWatches?: number
}

export interface NodeHub {
  readonly backend: NodeBackend
  readonly log: Logger
  readonly limits: NodeLimits
  /** globalOutstandingLimit: requests received and not yet answered, on this node */
  readonly outstanding: OutstandingRequests
  readonly stats: ServerStats
  /** which local connection holds which session */
  readonly sessions: SessionRegistry<NodeConnection>
  readonly heartbeats: Heartbeats
  /** after RESUME, how long polls wait at most for the sidecar's replays (connection.ts) */
  readonly resumeHoldMs: number
  /** superDigest and SASL users */
  readonly auth: AuthConfig
  /** which WebSocket peers may claim their client's address (trust.ts) */
  readonly trust: PeerTrust
  /** A connection is gone: stop counting it. */
  forget(conn: NodeConnection): void
}
