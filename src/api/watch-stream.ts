// The watch stream's seam, next to ZkGateway: "give this HTTP caller a
// ZooKeeper session of its own with a persistent watch on a path, and hand me
// its watch events". The embedded server (src/server/watch-gateway.ts) and the
// service node (src/node/watch-gateway.ts) implement it over their store: the
// session and the watch are the engine's (createSession, addWatch,
// closeSession), the events reach the stream by the road ZooKeeper clients'
// events take (the outbox / the session's event queue in Redis). Nothing here
// knows HTTP; src/http/watch.ts turns a stream into SSE or WebSocket frames.

import { Err, EventType, OpCode } from '../engine/codes'
import type { Data, Id, SessionId, Stat } from '../engine/types'
import { ApiError, zkError } from './errors'
import type { ZkGateway } from './gateway'
import { checkPath } from './znodes'

/** One ZooKeeper watch event of the stream's session. */
export interface ChangeEvent {
  type: EventType
  path: string
}

/** Why a stream ended on the server's side. */
export interface WatchEnd {
  /** SESSIONEXPIRED: the stream's session is gone; UNAVAILABLE: the store cannot serve */
  error: 'SESSIONEXPIRED' | 'UNAVAILABLE'
  message: string
}

export interface WatchHandlers {
  /** each event once, in the order ZooKeeper delivers them to a client, and only once it is durable */
  onEvent: (ev: ChangeEvent) => void
  /** the stream cannot go on; never called after close() */
  onEnd: (end: WatchEnd) => void
}

export interface OpenWatch {
  /** the stream's own ZooKeeper session */
  readonly session: SessionId
  /** Stops the events and closes the session (closeSession); safe to call twice. */
  close: () => Promise<void>
}

export interface WatchOptions {
  /** persistent-recursive (addWatch mode 1) rather than persistent (mode 0) */
  recursive: boolean
}

export interface WatchGateway {
  /**
   * Creates a session with `auth` as its identities, adds the watch with
   * addWatch, and resolves once events flow to `handlers`. Rejects with
   * GatewayUnavailableError when the store cannot serve.
   */
  openWatch: (path: string, opts: WatchOptions, auth: readonly Id[], handlers: WatchHandlers) => Promise<OpenWatch>
  /** Ends every open stream's session (shutdown). */
  closeAll: () => Promise<void>
}

/** The event names of the stream's contract (docs/rest.md "Watch stream"). */
export const CHANGE_NAMES: Partial<Record<EventType, string>> = {
  [EventType.NodeCreated]: 'created',
  [EventType.NodeDeleted]: 'deleted',
  [EventType.NodeDataChanged]: 'dataChanged',
  [EventType.NodeChildrenChanged]: 'childrenChanged'
}

/**
 * Checks what a caller may watch before a session is spent on it: a valid
 * path (400), and a znode the caller cannot read refused as ZooKeeper's
 * getData refuses it (403 NOAUTH). A znode that does not exist yet may be
 * watched: its creation is an event like any other.
 */
export async function checkWatchable (gw: ZkGateway, ids: readonly Id[], path: string): Promise<void> {
  checkPath(path)
  const out = await gw.run({ type: OpCode.getData, path, watch: false }, ids)
  if (out.err !== Err.OK && out.err !== Err.NONODE) throw zkError(out.err, path)
}

/** The znode as read right after an event (data=true); undefined when it cannot be read (gone, NOAUTH). */
export async function readAfter (gw: ZkGateway, ids: readonly Id[], path: string): Promise<{ data: Data, stat: Stat } | undefined> {
  const out = await gw.run({ type: OpCode.getData, path, watch: false }, ids)
  if (out.err !== Err.OK || out.body?.stat === undefined) return undefined
  return { data: out.body.data ?? null, stat: out.body.stat }
}

/** Past --api-max-watch-streams: 503, as for a store that cannot serve. */
export function tooManyStreams (limit: number): ApiError {
  return new ApiError(503, 'UNAVAILABLE', `this process serves at most ${limit} watch streams (--api-max-watch-streams)`)
}

export const DEFAULT_MAX_WATCH_STREAMS = 256
