// What the server needs from a store, beyond the engine's Storage primitives:
// transactions (one log record each), the durability barrier, and the
// session tracker. The embedded store implements it; later milestones can
// plug in others without touching the connection code.

import type { SessionId, Storage, WatchKind, WatchMode } from '../engine/types'
import type { DurabilitySource } from './outbox'
import type { TreeStats } from './fourletter'

export interface ServerStore extends Storage, DurabilitySource {
  /** Runs fn; every mutation inside is one log record. */
  transact<T>(fn: () => T): { result: T, seq: number }
  whenDurable(seq: number): Promise<void>
  /** Every incoming packet pushes the session's deadline out by its timeout. */
  touchSession(id: SessionId, now: number): void
  sessionIds(): Iterable<SessionId>
  stats(): TreeStats
  // read-only views for the four-letter words wchs, wchc, wchp and dump
  watchesByPath(kind: WatchKind): Iterable<readonly [string, Iterable<SessionId>]>
  watchesBySession(kind: WatchKind): Iterable<readonly [SessionId, Iterable<string>]>
  watchSummary(kind: WatchKind): { sessions: number, paths: number, total: number }
  /** (session, deadline epoch ms) */
  sessionDeadlines(): Iterable<readonly [SessionId, number]>
  ephemeralsBySession(): Array<readonly [SessionId, readonly string[]]>
  // read-only views for the REST inspection routes (src/server/rest-inspector.ts)
  watchesOf(session: SessionId): Array<readonly [WatchKind, string, WatchMode]>
  watchersOf(kind: WatchKind, path: string): SessionId[]
  watchTotals(): { paths: number, watches: number, sessions: number }
  sessionDeadline(id: SessionId): number | undefined
  close(): Promise<void> | void
  on(event: 'durable', listener: (seq: number) => void): unknown
  /** 'error': the log failed; the store refuses all further transactions */
  on(event: 'error', listener: (err: Error) => void): unknown
  /** 'synced': one fdatasync of the log took `seconds`; 'snapshot': one was written (observers for /metrics) */
  on(event: 'synced', listener: (seconds: number) => void): unknown
  on(event: 'snapshot', listener: (seconds: number, bytes: number) => void): unknown
  off(event: 'durable', listener: (seq: number) => void): unknown
  off(event: 'synced', listener: (seconds: number) => void): unknown
  off(event: 'snapshot', listener: (seconds: number, bytes: number) => void): unknown
  off(event: 'error', listener: (err: Error) => void): unknown
}
