// One watch stream between its ZooKeeper session (an OpenWatch from the
// gateway) and its HTTP transport (SSE or WebSocket, a FeedWriter): turns
// engine events into the contract's JSON (docs/rest.md "Watch stream"), reads
// the znode after the event when data=true, keeps the order, pings, and ends
// the stream once, whichever side goes first.

import { encodeData } from '../api/encoding'
import type { ZkGateway } from '../api/gateway'
import { sessionIdHex } from '../api/inspector'
import { CHANGE_NAMES, readAfter, type ChangeEvent, type OpenWatch, type WatchEnd, type WatchHandlers } from '../api/watch-stream'
import { EventType } from '../engine/codes'
import type { Id } from '../engine/types'

export type FeedEvent = 'ready' | 'change' | 'error'

/** What a transport offers a feed. */
export interface FeedWriter {
  send: (event: FeedEvent, body: object) => void
  /** a keep-alive that carries no event (SSE comment, WebSocket ping) */
  ping: () => void
  /** bytes written but not yet taken by the client */
  readonly backlog: number
  /** ends the transport; `error`: the server ended it (after an error event) */
  end: (error: boolean) => void
}

export interface FeedOptions {
  gateway: ZkGateway
  ids: readonly Id[]
  path: string
  recursive: boolean
  /** data=true: created/dataChanged carry the znode's data and stat read after the event */
  withData: boolean
  /** called once, when the feed is over (the plugin's count of open streams) */
  onDone: () => void
  onFailure: (err: unknown) => void
}

/** Heartbeat period: proxies (haproxy's `timeout tunnel`, browsers) see traffic at least this often. */
export const PING_MS = 15_000
/** A client that stops reading: past this much unsent, the stream ends (OVERFLOW) rather than grow without bound. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024
/** Events waiting for their data=true read. */
const MAX_PENDING_READS = 10_000

export class WatchFeed {
  private writer: FeedWriter | undefined
  private readonly early: Array<[FeedEvent, object]> = []
  private sub: OpenWatch | undefined
  private session: string | undefined
  /** the feed ended with an error event (an end the client should not take as its own close) */
  private failed = false
  private done = false
  private pending = 0
  private tail: Promise<void> = Promise.resolve()
  private pinger: NodeJS.Timeout | undefined

  readonly handlers: WatchHandlers = {
    onEvent: (ev) => this.onEvent(ev),
    onEnd: (end) => this.onEnd(end)
  }

  constructor (private readonly opts: FeedOptions) {}

  /** The session the gateway opened; the feed closes it when it ends. */
  bind (sub: OpenWatch): void {
    this.sub = sub
    this.session = sessionIdHex(sub.session)
    if (this.done) void this.closeSession()
  }

  /** The transport is ready: the ready event, then whatever came meanwhile. */
  start (writer: FeedWriter): void {
    this.writer = writer
    writer.send('ready', { path: this.opts.path, recursive: this.opts.recursive, session: this.session })
    for (const [event, body] of this.early.splice(0)) writer.send(event, body)
    if (this.done) {
      // it ended before the transport was up (the session expired, or the client left)
      writer.end(this.failed)
      return
    }
    this.pinger = setInterval(() => { if (!this.done) this.writer?.ping() }, PING_MS)
    this.pinger.unref()
  }

  /** The client went away (or the server shuts down): close the session; no more output. */
  close (): void {
    if (this.finish()) this.writer?.end(false)
  }

  private onEvent (ev: ChangeEvent): void {
    if (this.done) return
    const type = CHANGE_NAMES[ev.type]
    if (type === undefined) return
    const body = { type, path: ev.path }
    const read = this.opts.withData && (ev.type === EventType.NodeCreated || ev.type === EventType.NodeDataChanged)
    if (!read && this.pending === 0) {
      this.emit('change', body)
      return
    }
    if (this.pending >= MAX_PENDING_READS) {
      this.fail('OVERFLOW', `more than ${MAX_PENDING_READS} events wait for their data: the stream cannot keep up`)
      return
    }
    // in line behind the reads already waiting, so the order holds
    this.pending++
    this.tail = this.tail.then(async () => {
      const got = read ? await this.read(ev.path) : undefined
      this.pending--
      if (this.done) return
      this.emit('change', got === undefined ? body : { ...body, ...encodeData(got.data, 'auto', ev.path), stat: got.stat })
    })
  }

  private async read (path: string): Promise<Awaited<ReturnType<typeof readAfter>>> {
    try {
      return await readAfter(this.opts.gateway, this.opts.ids, path)
    } catch (err) {
      // the store failing shows as the event without its data; the session's end says the rest
      this.opts.onFailure(err)
      return undefined
    }
  }

  private onEnd (end: WatchEnd): void {
    // after the events already waiting for their data
    void this.tail.then(() => this.fail(end.error, end.message))
  }

  private fail (error: string, message: string): void {
    if (this.done) return
    this.emit('error', { error, message })
    this.failed = true
    if (this.finish()) this.writer?.end(true)
  }

  private emit (event: FeedEvent, body: object): void {
    const w = this.writer
    if (w === undefined) {
      this.early.push([event, body])
      return
    }
    if (this.done && event !== 'error') return
    w.send(event, body)
    if (w.backlog > MAX_BACKLOG_BYTES && event !== 'error') this.fail('OVERFLOW', 'the client does not read the stream fast enough')
  }

  /** true the first time: the feed is over, the session is being closed. */
  private finish (): boolean {
    if (this.done) return false
    this.done = true
    clearInterval(this.pinger)
    void this.closeSession()
    this.opts.onDone()
    return true
  }

  private async closeSession (): Promise<void> {
    const sub = this.sub
    this.sub = undefined
    if (sub === undefined) return
    try {
      await sub.close()
    } catch (err) {
      this.opts.onFailure(err)
    }
  }
}
