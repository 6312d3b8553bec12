// What a service node needs from the shared store: the distributed API of
// RedisEngine (src/stores/redis), spelt out as an interface so the node
// depends on exactly these calls and on nothing else of ioredis. Every
// method is one atomic FCALL; all state lives behind it.

import type { Context, Id, Outcome, Request, SessionId, Zxid } from '../engine/types'
import type { AttachAttempt, ExecResult, Notice, QueuedEvent, RedisStats, SubscribeOptions, SweepRequest } from '../stores/redis'

/** Read-only, batched views of the whole service's tables, for wchs/wchc/wchp/dump (RedisInspector). */
export interface BackendInspector {
  dataWatchesBySession(): AsyncIterable<Array<readonly [SessionId, string[]]>>
  dataWatchesByPath(): AsyncIterable<Array<readonly [string, SessionId[]]>>
  dataWatchSummary(): Promise<{ sessions: number, paths: number, total: number }>
  /** (session, deadline epoch ms) in deadline order */
  sessionDeadlines(): AsyncIterable<Array<readonly [SessionId, number]>>
  ephemeralsBySession(): AsyncIterable<Array<readonly [SessionId, string[]]>>
  // for the REST inspection routes (src/node/rest-inspector.ts)
  sessionsPage(limit: number): Promise<{ sessions: Array<{ id: SessionId, timeout: number, expiresAt: number, ephemerals: number, watches: number }>, truncated: boolean }>
  sessionDetail(id: SessionId): Promise<{ timeout: number, expiresAt: number, ephemerals: string[], watches: Array<readonly ['data' | 'child', string, number]> } | undefined>
  watchersOf(path: string): Promise<{ data: SessionId[], child: SessionId[] }>
  watchTotals(): Promise<{ paths: number, watches: number, sessions: number }>
}

export type { ExecResult, Notice, QueuedEvent }
export type BackendStats = RedisStats

export interface NodeBackend {
  createSession(timeout: number, passwdHex: string, now: number, owner: string): Promise<{ id: SessionId, outcome: Outcome }>
  /** dropWatches (CONNECT) also drops the previous connection's undelivered events and recorded results */
  /** attempt: the sidecar link's try; an older try than one already attached is refused with superseded */
  attachSession(id: SessionId, passwdHex: string, now: number, owner: string, dropWatches: boolean, attempt?: AttachAttempt): Promise<{ ok: boolean, timeout: number, superseded?: boolean }>
  /** owner: the connection that must still hold the session, or the answer is SESSIONMOVED and nothing runs (fencing) */
  exec(ctx: Context, req: Request, xid: number, deliveredSeq: number, ackSeq: number, owner?: string): Promise<ExecResult>
  closeSession(ctx: Context, xid: number, deliveredSeq: number, ackSeq: number, owner?: string): Promise<ExecResult>
  pollEvents(session: SessionId, deliveredSeq: number, ackSeq: number): Promise<QueuedEvent[]>
  /** one call for all sessions heard from; returns those that no longer exist */
  /** deadline := heardAt + timeout for each (session, heardAt); returns the sessions that no longer exist */
  touch(beats: ReadonlyArray<readonly [SessionId, number]>): Promise<SessionId[]>
  /** cadenceMs: how often the caller reaps, so an outage of the whole service is not held against the sessions */
  expire(now: number, cadenceMs?: number): Promise<{ expired: SessionId[] }>
  /** the earliest session deadline (epoch ms), undefined if there is no session: a cheap read, nothing written */
  nextDeadline(): Promise<number | undefined>
  detach(session: SessionId, owner: string): Promise<void>
  /** the container/TTL sweep (events queued, notices sent); safe from every node at once */
  sweep(now: number, req: SweepRequest): Promise<{ deleted: string[], remaining: number }>
  /** keeps a connection's identities with its session, scoped to its link; false if owner no longer holds the session */
  saveIdentities(session: SessionId, owner: string, link: Buffer, ids: readonly Id[]): Promise<boolean>
  /** the identities kept for `link`, once owner holds the session; undefined if none are kept for it */
  restoreIdentities(session: SessionId, owner: string, link: Buffer): Promise<Id[] | undefined>
  subscribe(onNotice: (n: Notice) => void, opts?: SubscribeOptions): Promise<() => Promise<void>>
  getZxid(): Promise<Zxid>
  stats(): Promise<BackendStats>
  inspector(): BackendInspector
  close(): Promise<void>
}
