// The watch stream on the embedded server (src/api/watch-stream.ts): each
// stream is a session of the store, created, watched (addWatch) and closed by
// the engine like a ZooKeeper client's. Its events leave through the outbox,
// the durability barrier every connection's frames go through: a stream never
// shows a change a crash could take back, and it sees events in the order a
// ZooKeeper client holding the session would.

import { randomBytes } from 'node:crypto'
import { closeSession, createSession, execute } from '../engine'
import { Err, OpCode, type EventType } from '../engine/codes'
import type { Id, SessionId, WatchEvent } from '../engine/types'
import { GatewayUnavailableError } from '../api/gateway'
import type { OpenWatch, WatchGateway, WatchHandlers, WatchOptions } from '../api/watch-stream'
import type { Hub } from './hub'
import type { FrameSink } from './outbox'
import type { SessionRegistry } from './sessions'

/** What the hub hands a stream's session's events to (server.ts deliver). */
export interface WatchSink {
  /** queues `ev` behind everything already produced (released once durable) */
  push: (ev: WatchEvent) => void
  /** the session expired: end the stream once what was queued before has left */
  expired: () => void
}

/** An event as a frame in the outbox: type (int32) then the path (UTF-8). */
function encode (ev: WatchEvent): Buffer {
  const path = Buffer.from(ev.path, 'utf8')
  const frame = Buffer.allocUnsafe(4 + path.length)
  frame.writeInt32BE(ev.type, 0)
  path.copy(frame, 4)
  return frame
}

class EmbeddedStream implements FrameSink, WatchSink, OpenWatch {
  private state: 'open' | 'expired' | 'closed' = 'open'
  private readonly keepAlive: NodeJS.Timeout

  constructor (
    private readonly hub: Hub,
    private readonly sinks: SessionRegistry<EmbeddedStream>,
    readonly session: SessionId,
    timeout: number,
    private readonly handlers: WatchHandlers
  ) {
    // An open HTTP stream is the client's heartbeat: touching is a memory write, no log record.
    this.keepAlive = setInterval(() => this.touch(), Math.max(1, Math.floor(timeout / 3)))
    this.keepAlive.unref()
  }

  get alive (): boolean {
    return this.state === 'open'
  }

  push (ev: WatchEvent): void {
    if (this.state === 'open') this.hub.outbox.send(this, encode(ev))
  }

  writeFrame (frame: Buffer): void {
    this.hub.stats.watchEventsSent++
    this.handlers.onEvent({ type: frame.readInt32BE(0) as EventType, path: frame.toString('utf8', 4) })
  }

  expired (): void {
    if (this.state !== 'open') return
    this.hub.outbox.close(this)
  }

  /** The outbox reached the expiry: everything before it has been handed over. */
  endAfterWrites (): void {
    if (this.state !== 'open') return
    this.stop('expired')
    this.handlers.onEnd({ error: 'SESSIONEXPIRED', message: `the watch stream's session 0x${this.session.toString(16)} expired` })
  }

  private touch (): void {
    if (this.state !== 'open') return
    const { store } = this.hub
    // gone without the expiry tick noticing (closed meanwhile): the same end
    if (store.getSession(this.session) === undefined) this.expired()
    else store.touchSession(this.session, Date.now())
  }

  private stop (state: 'expired' | 'closed'): void {
    this.state = state
    clearInterval(this.keepAlive)
    this.sinks.detach(this.session, this)
  }

  async close (): Promise<void> {
    if (this.state === 'closed') return
    this.stop('closed')
    const { store } = this.hub
    if (store.getSession(this.session) === undefined) return
    try {
      const { result, seq } = store.transact(() => closeSession(store, { session: this.session, now: Date.now(), auth: [] }))
      this.hub.deliver(result.events)
      await store.whenDurable(seq)
    } catch (err) {
      this.hub.log.warn({ err, session: `0x${this.session.toString(16)}` }, 'could not close a watch stream\'s session')
    }
  }
}

export class EmbeddedWatchGateway implements WatchGateway {
  private readonly timeout: number

  constructor (private readonly hub: Hub, private readonly sinks: SessionRegistry<EmbeddedStream>) {
    // as the REST session's: no client reconnects it, the open stream keeps it alive
    this.timeout = hub.limits.maxSessionTimeout
  }

  async openWatch (path: string, opts: WatchOptions, auth: readonly Id[], handlers: WatchHandlers): Promise<OpenWatch> {
    const { store, ids } = this.hub
    const now = Date.now()
    let stream: EmbeddedStream | undefined
    try {
      const id = ids.next((candidate) => store.getSession(candidate) !== undefined, now)
      const made = store.transact(() => createSession(store, now, id, this.timeout, randomBytes(16).toString('hex')))
      stream = new EmbeddedStream(this.hub, this.sinks, id, this.timeout, handlers)
      this.sinks.attach(id, stream)
      const ctx = { session: id, now, auth: [...auth] }
      const watched = store.transact(() => execute(store, ctx, { type: OpCode.addWatch, path, mode: opts.recursive ? 1 : 0 }))
      if (watched.result.err !== Err.OK) throw new Error(`addWatch answered ${watched.result.err}`)
      // ready only once the session is on disk: what a restart would bring back
      await store.whenDurable(Math.max(made.seq, watched.seq))
    } catch (err) {
      await stream?.close()
      throw this.failure(err)
    }
    this.hub.log.debug({ session: `0x${stream.session.toString(16)}`, path, recursive: opts.recursive }, 'watch stream opened')
    return stream
  }

  async closeAll (): Promise<void> {
    await Promise.all([...this.sinks.values()].map(async (s) => await s.close()))
  }

  private failure (err: unknown): Error {
    if (err instanceof Error && err.name === 'StoreStateError') {
      this.hub.fatal(err)
      return new GatewayUnavailableError(`the store cannot serve: ${err.message}`)
    }
    return err instanceof Error ? err : new Error(String(err))
  }
}

export type { EmbeddedStream }
