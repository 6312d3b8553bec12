// The orchestrator ↔ load-worker protocol (child_process IPC). Each command
// gets exactly one reply with the same `id`; a worker never starts work on
// its own.

import type { SparseHistogram } from './hist'

/** Closed-loop phases a worker can drive on its load sessions. */
export type LoadKind =
  | 'create' | 'get' | 'set' | 'exists' | 'delete' // W1 phases
  | 'hbase' // W2: 80 % getData+watch, 15 % setData, 5 % ephemeral create+delete
  | 'cycle' // W5: create, getData, setData, exists, delete of one znode, in turn

export interface LoadSpec {
  kind: LoadKind
  /** parent of every session's subtree: `${root}/s<global session index>/n<i>` */
  root: string
  seconds: number
  inflight: number
  size: number
  /** W2: the shared znodes `${root}/m0..m(keys-1)` */
  keys?: number
}

export type Command =
  | { op: 'connect', address: string, count: number, offset: number, timeoutMs: number }
  | { op: 'load', spec: LoadSpec }
  /** creates `count` znodes `${root}/m<offset+i>` with `size` bytes, `inflight` per session */
  | { op: 'populate', root: string, count: number, offset: number, size: number, inflight: number }
  /** W3: every session creates its ephemeral `${root}/e<index>` and a child watch on `root` */
  | { op: 'storm-arm', root: string }
  /** W3: a separate observer session sets an exists watch on each path */
  | { op: 'observe', address: string, paths: string[] }
  /**
   * W3: ping every session (its last heartbeat), then drop every socket
   * without closing the session; answers a DropResult
   */
  | { op: 'drop' }
  /** W3: resolves when every observed path has fired NodeDeleted */
  | { op: 'await-deleted', timeoutMs: number }
  /** W4: every session sets a data watch on `path` */
  | { op: 'fan-arm', path: string }
  /** W4: resolves when every session has seen NodeDataChanged on the armed path */
  | { op: 'fan-await', timeoutMs: number }
  /** closeSession on every session (load, storm or fan-out) and the observer */
  | { op: 'close' }
  /** the Redis ceiling: FCALL of the bench library in a closed loop */
  | { op: 'redis', url: string, fn: string, conns: number, inflight: number, seconds: number, offset: number }

export interface LoadResult {
  ops: number
  errors: number
  /** the first few distinct error descriptions, for the report */
  errorSamples: string[]
  hist: SparseHistogram
  /** measured duration of the loop, ms */
  elapsedMs: number
}

/** W3: when a worker's sockets closed, and when its last session is due to expire */
export interface DropResult {
  /** nowAbs() once every socket was destroyed */
  dropped: number
  /**
   * max over the sessions of (the last heartbeat's reply + the negotiated
   * timeout): the server touched the session between the ping and its
   * reply, so this is the server's deadline, late by at most one round trip
   */
  deadline: number
}

export type Reply =
  | { id: number, ok: true, result?: unknown }
  | { id: number, ok: false, error: string }

/** Wall-clock instants comparable across processes on one machine, ms (sub-ms resolution). */
export function nowAbs (): number {
  return performance.timeOrigin + performance.now()
}
