// The backend-neutral view of other clients' state that the REST inspection
// routes (src/http/inspect.ts) serve: sessions, their ephemerals and watches,
// and who watches a path. The embedded server (src/server/rest-inspector.ts)
// reads its in-memory tables; a service node (src/node/rest-inspector.ts)
// reads the whole service's tables in Redis. Both are read-only and are not a
// snapshot: each figure is read as it is at that moment.

import { WatchMode, type SessionId, type WatchKind } from '../engine/types'
import { ApiError, badArguments } from './errors'

export const SESSIONS_DEFAULT_LIMIT = 1000
export const SESSIONS_MAX_LIMIT = 10000

export interface SessionSummary {
  id: SessionId
  /** negotiated timeout, ms */
  timeout: number
  /** the deadline the session tracker holds, epoch ms */
  expiresAt: number
  ephemerals: number
  /** watch registrations, both tables (a persistent watch counts in each table it sits in) */
  watches: number
}

/**
 * A session's watches by how they fire. `data` and `child` are one-shot
 * (getData/exists and getChildren); `persistent` and `recursive` are addWatch
 * registrations (a path appears once even when it sits in both tables).
 */
export interface SessionWatches {
  data: string[]
  child: string[]
  persistent: string[]
  recursive: string[]
}

export interface SessionDetail {
  id: SessionId
  timeout: number
  expiresAt: number
  ephemerals: string[]
  watches: SessionWatches
}

export interface PathWatchers {
  /** sessions in the data table at the path (getData/exists, and persistent/recursive ones) */
  data: SessionId[]
  /** sessions in the child table at the path */
  child: SessionId[]
}

export interface WatchTotals {
  /** distinct watched paths, both tables */
  paths: number
  /** registrations, both tables */
  watches: number
  /** sessions holding any watch */
  sessions: number
}

export interface Inspector {
  /** up to `limit` sessions (in the tracker's order); truncated when there were more */
  sessions(limit: number): Promise<{ sessions: SessionSummary[], truncated: boolean }>
  /** undefined when no such session exists */
  session(id: SessionId): Promise<SessionDetail | undefined>
  watchers(path: string): Promise<PathWatchers>
  watchTotals(): Promise<WatchTotals>
}

/** Long.toHexString: "0x…", exact (session ids stay below 2^53). */
export function sessionIdHex (id: SessionId): string {
  return '0x' + id.toString(16)
}

/**
 * "0x1a2b…" (1–16 hex digits) → the session id. Malformed is 400; an id no
 * session of ours can have (at or above 2^53) is simply unknown (404).
 */
export function parseSessionId (text: string): SessionId {
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(text)) throw badArguments(`'${text}' is not a session id (0x followed by up to 16 hex digits)`)
  const v = BigInt(text)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw noSession(text)
  return Number(v)
}

/** 404 NOSESSION: an HTTP-only name (ZooKeeper has no code for "no such session"; it expires them). */
export function noSession (text: string): ApiError {
  return new ApiError(404, 'NOSESSION', `no session ${text}`)
}

/** Sorted, for stable replies from Set/Map iteration. */
export function sortedPaths (paths: Iterable<string>): string[] {
  return [...paths].sort()
}

/** Registrations (table, path, mode) → a session's watches by how they fire, each list sorted. */
export function classifyWatches (regs: Iterable<readonly [WatchKind, string, WatchMode]>): SessionWatches {
  const data = new Set<string>()
  const child = new Set<string>()
  const persistent = new Set<string>()
  const recursive = new Set<string>()
  for (const [kind, path, mode] of regs) {
    if (mode === WatchMode.Persistent) persistent.add(path)
    else if (mode === WatchMode.Recursive) recursive.add(path)
    else (kind === 'data' ? data : child).add(path)
  }
  return { data: sortedPaths(data), child: sortedPaths(child), persistent: sortedPaths(persistent), recursive: sortedPaths(recursive) }
}
