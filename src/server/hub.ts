// The server-wide state every connection works against, gathered in one
// object so the per-connection code stays free of globals and testable.

import type { Logger } from 'pino'
import type { WatchEvent } from '../engine/types'
import type { AuthConfig } from './auth'
import type { FourLetterView } from './fourletter'
import type { Outbox } from './outbox'
import type { SessionIdAllocator, SessionRegistry } from './sessions'
import type { ServerStats } from './stats'
import type { ServerStore } from './store'
import type { Connection } from './connection'
import type { OutstandingRequests } from './outstanding'

export interface Limits {
  /** jute.maxbuffer: the largest frame accepted */
  maxBuffer: number
  /** watch registrations per session (Context.maxWatches); undefined: none */
  maxWatches: number | undefined
  minSessionTimeout: number
  maxSessionTimeout: number
}

export interface Hub {
  readonly store: ServerStore
  readonly outbox: Outbox
  readonly sessions: SessionRegistry<Connection>
  readonly ids: SessionIdAllocator
  readonly stats: ServerStats
  readonly log: Logger
  readonly limits: Limits
  /** globalOutstandingLimit: requests received and not yet answered, server-wide */
  readonly outstanding: OutstandingRequests
  readonly fourLetter: FourLetterView
  /** superDigest and SASL users */
  readonly auth: AuthConfig
  /** zookeeper.extendedTypesEnabled */
  readonly extendedTypes: boolean
  /** zookeeper.enforceQuota */
  readonly enforceQuota: boolean
  /** Sends watch events to the connections holding their sessions, in order. */
  deliver(events: readonly WatchEvent[]): void
  /** A connection is gone: stop counting it. */
  forget(conn: Connection): void
  /** The store failed in a way that makes acknowledging anything unsafe. */
  fatal(err: unknown): void
}
