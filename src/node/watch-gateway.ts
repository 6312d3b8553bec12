// The watch stream on a service node (src/api/watch-stream.ts): each stream
// is a session in Redis, created, watched (addWatch) and closed by the engine
// as a ZooKeeper client's, heartbeated by this node while the HTTP stream is
// open. Its events are queued in Redis like any session's and fetched when a
// notice names it, exactly as NodeConnection.poll does for a sidecar: if this
// node dies the stream's HTTP connection dies with it, nothing is re-sent to
// anyone else, and the orphaned session expires on its own.

import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { Err, OpCode } from '../engine/codes'
import type { Id, SessionId } from '../engine/types'
import { GatewayUnavailableError } from '../api/gateway'
import type { OpenWatch, WatchGateway, WatchHandlers, WatchOptions } from '../api/watch-stream'
import type { NodeBackend, QueuedEvent } from './backend'
import type { Heartbeats } from './heartbeats'
import type { ServerStats } from '../server/stats'

/** After a failed poll (Redis away), the next try. */
const RETRY_POLL_MS = 1000

export interface NodeWatchGatewayOptions {
  backend: NodeBackend
  heartbeats: Heartbeats
  /** the streams' session timeout: the node's maxSessionTimeout */
  timeout: number
  log: Logger
  /** watch events sent count the streams' too (/metrics, mntr) */
  stats: ServerStats
}

class NodeStream implements OpenWatch {
  private open = true
  private xid = 1
  private delivered = 0
  private polling = false
  private repoll = false
  private readonly keepAlive: NodeJS.Timeout
  private retry: NodeJS.Timeout | undefined

  constructor (
    private readonly opts: NodeWatchGatewayOptions,
    private readonly streams: Map<SessionId, NodeStream>,
    readonly session: SessionId,
    private readonly handlers: WatchHandlers
  ) {
    // The ticker pushes out the deadline of every session beaten since its
    // last round: the open HTTP stream is the client's heartbeat.
    opts.heartbeats.beat(session)
    this.keepAlive = setInterval(() => opts.heartbeats.beat(session), Math.max(1, Math.floor(opts.timeout / 4)))
    this.keepAlive.unref()
  }

  nextXid (): number {
    return ++this.xid
  }

  /** Events after the last delivered one, in seq order; Redis forgets what was delivered. */
  deliver (events: readonly QueuedEvent[]): void {
    for (const ev of events) {
      if (!this.open) return
      if (ev.seq <= this.delivered) continue
      this.delivered = ev.seq
      this.opts.stats.watchEventsSent++
      this.handlers.onEvent({ type: ev.type, path: ev.path })
    }
  }

  /** A notice named the session (or notices may have been missed): fetch its queue. */
  poll (): void {
    if (!this.open) return
    if (this.polling) {
      // the poll in flight may have run before those events were queued
      this.repoll = true
      return
    }
    this.polling = true
    this.opts.backend.pollEvents(this.session, this.delivered, this.delivered).then((events) => {
      this.polling = false
      this.deliver(events)
      if (this.repoll) {
        this.repoll = false
        this.poll()
      }
    }, (err: unknown) => {
      this.polling = false
      this.repoll = false
      this.opts.log.warn({ err, session: hex(this.session) }, 'watch stream: polling its events failed; retrying')
      clearTimeout(this.retry)
      this.retry = setTimeout(() => this.poll(), RETRY_POLL_MS)
    })
  }

  /** The session is gone from Redis (expired, or closed by another node). */
  gone (): void {
    if (!this.open) return
    this.stop()
    this.handlers.onEnd({ error: 'SESSIONEXPIRED', message: `the watch stream's session ${hex(this.session)} expired` })
  }

  private stop (): void {
    this.open = false
    clearInterval(this.keepAlive)
    clearTimeout(this.retry)
    if (this.streams.get(this.session) === this) this.streams.delete(this.session)
  }

  async close (): Promise<void> {
    if (!this.open) return
    this.stop()
    try {
      await this.opts.backend.closeSession({ session: this.session, now: Date.now(), auth: [] }, this.nextXid(), this.delivered, this.delivered)
    } catch (err) {
      this.opts.log.warn({ err, session: hex(this.session) }, 'could not close a watch stream\'s session; it will expire')
    }
  }
}

function hex (id: SessionId): string {
  return `0x${id.toString(16)}`
}

export class NodeWatchGateway implements WatchGateway {
  // one owner for the node's streams: 'moved' notices never concern them
  private readonly owner = `watch-${randomBytes(8).toString('hex')}`
  private readonly streams = new Map<SessionId, NodeStream>()

  constructor (private readonly opts: NodeWatchGatewayOptions) {}

  async openWatch (path: string, opts: WatchOptions, auth: readonly Id[], handlers: WatchHandlers): Promise<OpenWatch> {
    const { backend } = this.opts
    let stream: NodeStream | undefined
    try {
      const { id } = await backend.createSession(this.opts.timeout, randomBytes(16).toString('hex'), Date.now(), this.owner)
      stream = new NodeStream(this.opts, this.streams, id, handlers)
      this.streams.set(id, stream)
      const { outcome, events } = await backend.exec({ session: id, now: Date.now(), auth: [...auth] }, { type: OpCode.addWatch, path, mode: opts.recursive ? 1 : 0 }, stream.nextXid(), 0, 0)
      if (outcome.err !== Err.OK) throw new Error(`addWatch answered ${outcome.err}`)
      stream.deliver(events)
    } catch (err) {
      await stream?.close()
      throw new GatewayUnavailableError(`cannot open a watch stream in Redis: ${(err as Error).message}`)
    }
    this.opts.log.debug({ session: hex(stream.session), path, recursive: opts.recursive }, 'watch stream opened')
    return stream
  }

  /** node.ts: an 'events' notice named `id` */
  poll (id: SessionId): void {
    this.streams.get(id)?.poll()
  }

  /** node.ts: the notice subscription came back; notices may have been missed */
  pollAll (): void {
    for (const s of this.streams.values()) s.poll()
  }

  /** node.ts: sessions gone from Redis (expiry notice, ticker) */
  gone (ids: readonly SessionId[]): void {
    for (const id of ids) this.streams.get(id)?.gone()
  }

  async closeAll (): Promise<void> {
    await Promise.all([...this.streams.values()].map(async (s) => await s.close()))
  }
}
