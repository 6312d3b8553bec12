// Many client connections over a few WebSockets per upstream
// (docs/protocol.md, "Many connections over one WebSocket"). Each
// ClientLink gets a MuxChannel shaped like the `ws` client it would
// otherwise open, so link.ts keeps one code path: its CONNECT/RESUME,
// attempt numbering, early-request queue and replay are per channel, as
// they were per WebSocket. A channel's close is an END message; a dead
// socket loses every channel on it, and each link RESUMEs through the next
// upstream exactly as it does for a lost WebSocket of its own.
//
// Why: a WebSocket per session costs a TCP connect, an HTTP upgrade, a
// socket and a per-turn writev on both sides; with thousands of sessions
// that, not the work, was the sidecar's and the node's CPU.
//
// A node that does not serve /v1/zk/mux (older, or --mux=false) answers the
// upgrade 404: the upstream is then served one WebSocket per connection
// (/v1/zk) for a while, and the channels waiting on that upgrade carry on
// over a WebSocket of their own, unseen by their links.

import type { Logger } from 'pino'
import { socketOfWebSocket } from '../server/cork'
import type { Upstream } from './upstreams'
import { WS_OPEN, WebSocketClient, type WsClient, type WsClientOptions } from './ws'

/** sidecar → node: the sidecar closed this channel */
export const MUX_END = 0x05
/** node → sidecar: `uint16 code ‖ reason`: the node closed this channel */
export const MUX_ENDED = 0x87
const CHANNEL_HEADER = 4
/** link.ts resumes a paused client once the WebSocket has this little queued (its HIGH_WATER / 2) */
const LOW_WATER = 512 * 1024
const WS_CONNECTING = 0
const WS_CLOSED = 3
/** ids are uint32 and never reused on a socket; past this a new socket is opened */
const MAX_CHANNEL_ID = 0xffff_fffe
/** after a 404 to the mux upgrade, this upstream is served per connection this long before the upgrade is tried again */
const LEGACY_RETRY_MS = 60_000

export interface MuxPoolOptions {
  readonly upstreams: readonly Upstream[]
  /** WebSockets per upstream, channels spread round-robin (so a load balancer spreads them over its nodes) */
  readonly socketsPerUpstream: number
  readonly log: Logger
}

type Handler = (...args: any[]) => void // eslint-disable-line @typescript-eslint/no-explicit-any

/** The sockets of every upstream. */
export class MuxPool {
  private readonly slots: Array<Array<MuxSocket | undefined>>
  private readonly turn: number[]
  private readonly legacyUntil: number[]
  private closing = false

  constructor (private readonly opts: MuxPoolOptions) {
    this.slots = opts.upstreams.map(() => new Array<MuxSocket | undefined>(Math.max(1, opts.socketsPerUpstream)).fill(undefined))
    this.turn = opts.upstreams.map(() => 0)
    this.legacyUntil = opts.upstreams.map(() => 0)
  }

  get log (): Logger {
    return this.opts.log
  }

  /** A WebSocket-like channel to upstream `i`: a channel of a shared socket, or (legacy upstream) a WebSocket of its own. */
  open (i: number, wsOpts: WsClientOptions): WsClient {
    const up = this.opts.upstreams[i]
    if (Date.now() < this.legacyUntil[i]) return new WebSocketClient(up.zk, wsOpts)
    const slots = this.slots[i]
    const k = this.turn[i]
    this.turn[i] = (k + 1) % slots.length
    let sock = slots[k]
    if (sock === undefined || !sock.usable) {
      sock = new MuxSocket(this, i, k, up, wsOpts)
      slots[k] = sock
    }
    return sock.channel(wsOpts)
  }

  /** Sockets on their way out leave the pool (a later open makes a new one). */
  forget (sock: MuxSocket): void {
    const slots = this.slots[sock.upstream]
    if (slots[sock.slot] === sock) slots[sock.slot] = undefined
  }

  /** The node answered the mux upgrade 404: one WebSocket per connection for a while. */
  legacy (i: number): void {
    if (Date.now() >= this.legacyUntil[i]) this.opts.log.info({ upstream: this.opts.upstreams[i].label }, 'upstream does not serve /v1/zk/mux: one WebSocket per client connection')
    this.legacyUntil[i] = Date.now() + LEGACY_RETRY_MS
  }

  get isClosing (): boolean {
    return this.closing
  }

  /** Sidecar shutdown: each socket closes once its last channel has ended (their DETACHes leave first). */
  close (): void {
    this.closing = true
    for (const slots of this.slots) for (const s of slots) s?.closeIfIdle()
  }

  /** Every socket (tests, stats). */
  sockets (): MuxSocket[] {
    const out: MuxSocket[] = []
    for (const slots of this.slots) for (const s of slots) if (s !== undefined) out.push(s)
    return out
  }
}

/** One WebSocket to GET /v1/zk/mux and its channels. */
export class MuxSocket {
  readonly ws: WsClient
  private state: 'connecting' | 'open' | 'dead' = 'connecting'
  /** the node said ENDED 1001 on a channel: it is draining, no new channel goes here */
  private draining = false
  private readonly channels = new Map<number, MuxChannel>()
  /** channels made before their first message (no id yet) */
  private readonly waiting = new Set<MuxChannel>()
  private nextId = 1
  private pausedBy = 0
  /** callbacks of sends, held until the socket has drained below LOW_WATER */
  private drainWaiters: Array<() => void> = []
  private pingOut = false
  /** when the node was last heard on this socket (any message or pong) */
  lastHeard = Date.now()

  constructor (private readonly pool: MuxPool, readonly upstream: number, readonly slot: number, private readonly up: Upstream, wsOpts: WsClientOptions) {
    const ws = new WebSocketClient(up.mux, wsOpts)
    this.ws = ws
    ws.on('open', () => this.opened())
    ws.on('message', (data, isBinary) => this.message(data, isBinary))
    ws.on('close', (code, reason) => this.lost(code, `WebSocket closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`))
    ws.on('error', (err) => this.failed(err))
    ws.on('pong', () => {
      this.lastHeard = Date.now()
      this.pingOut = false
      for (const ch of this.channels.values()) ch.emit('pong')
    })
    ws.on('unexpected-response', (_req, res) => {
      res.resume()
      if (res.statusCode === 404) this.fallBack()
      ws.terminate()
    })
  }

  get usable (): boolean {
    return this.state !== 'dead' && !this.draining && this.nextId < MAX_CHANNEL_ID
  }

  get isOpen (): boolean {
    return this.state === 'open' && this.ws.readyState === WS_OPEN
  }

  get channelCount (): number {
    return this.channels.size + this.waiting.size
  }

  channel (wsOpts: WsClientOptions): MuxChannel {
    const ch = new MuxChannel(this, wsOpts)
    this.waiting.add(ch)
    // as a new WebSocket's 'open': after the caller has set its listeners
    if (this.state === 'open') setImmediate(() => ch.opened())
    return ch
  }

  // ---- for MuxChannel ----

  /** The channel's first message names it: ids go up in the order channels speak, so the node can tell new from ended. */
  send (ch: MuxChannel, msg: Buffer, cb?: () => void): void {
    if (ch.id === 0) {
      ch.id = this.nextId++
      this.waiting.delete(ch)
      this.channels.set(ch.id, ch)
    }
    const out = Buffer.allocUnsafe(CHANNEL_HEADER + msg.length)
    out.writeUInt32BE(ch.id, 0)
    msg.copy(out, CHANNEL_HEADER)
    // A link that paused its client waits for "sent" to read it again, and
    // looks at bufferedAmount then: on a shared socket other channels' bytes
    // may still be queued behind its message, so its callback is held until
    // the socket is below LOW_WATER. Every message sent while more than that
    // is queued checks on its way out: the last one finds the socket drained.
    if (cb !== undefined || this.drainWaiters.length > 0 || this.ws.bufferedAmount + out.length > LOW_WATER) {
      this.ws.send(out, () => {
        if (cb !== undefined) this.drainWaiters.push(cb)
        this.checkDrained()
      })
    } else {
      this.ws.send(out)
    }
  }

  private checkDrained (): void {
    if (this.drainWaiters.length === 0 || this.ws.bufferedAmount > LOW_WATER) return
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w()
  }

  /** The link closed its channel: END tells the node (as closing a WebSocket of its own would). */
  end (ch: MuxChannel): void {
    this.waiting.delete(ch)
    if (ch.id !== 0 && this.channels.get(ch.id) === ch) {
      this.channels.delete(ch.id)
      if (this.isOpen) {
        const out = Buffer.allocUnsafe(CHANNEL_HEADER + 1)
        out.writeUInt32BE(ch.id, 0)
        out[CHANNEL_HEADER] = MUX_END
        this.ws.send(out)
      }
    }
    if (this.pool.isClosing) this.closeIfIdle()
  }

  closeIfIdle (): void {
    if (this.channelCount > 0 || this.state === 'dead') return
    this.state = 'dead'
    this.pool.forget(this)
    if (this.ws.readyState === WS_OPEN) this.ws.close(1000)
    else this.ws.terminate()
  }

  ping (): void {
    if (!this.isOpen || this.pingOut) return
    this.pingOut = true
    this.ws.ping()
  }

  /**
   * A link heard nothing for `ms` on its channel: if the socket heard
   * nothing either, it is dead (a killed host, a cut network close no
   * socket), and every channel must move.
   */
  silent (ms: number): void {
    if (this.state !== 'dead' && Date.now() - this.lastHeard >= ms) {
      this.pool.log.debug({ upstream: this.up.label, channels: this.channelCount, ms }, 'mux websocket silent: dropping it')
      this.ws.terminate()
    }
  }

  pause (): void {
    if (this.pausedBy++ === 0) this.ws.pause()
  }

  resume (): void {
    if (this.pausedBy === 0) return
    if (--this.pausedBy === 0) this.ws.resume()
  }

  // ---- socket events ----

  private opened (): void {
    if (this.state !== 'connecting') return
    this.state = 'open'
    this.lastHeard = Date.now()
    for (const ch of [...this.waiting]) ch.opened()
  }

  private message (data: Buffer, isBinary: boolean): void {
    this.lastHeard = Date.now()
    if (!isBinary || data.length < CHANNEL_HEADER + 1) {
      // The node and we disagree on the framing: nothing on this socket can
      // be trusted; every channel resumes elsewhere.
      this.pool.log.error({ upstream: this.up.label, length: data.length, isBinary }, 'mux websocket: malformed message from node; dropping the socket')
      this.ws.terminate()
      return
    }
    const ch = this.channels.get(data.readUInt32BE(0))
    if (ch === undefined) return // a channel we closed: its late messages mean nothing now
    const msg = data.subarray(CHANNEL_HEADER)
    if (msg[0] === MUX_ENDED) {
      const code = msg.length >= 3 ? msg.readUInt16BE(1) : 1006
      if (code === 1001) this.draining = true
      if (this.draining) this.pool.forget(this)
      this.channels.delete(ch.id)
      ch.lost(code, msg.length > 3 ? msg.subarray(3) : Buffer.alloc(0))
      if (this.pool.isClosing) this.closeIfIdle()
      return
    }
    ch.emit('message', msg, true)
  }

  private lost (code: number, why: string): void {
    this.pool.log.debug({ upstream: this.up.label, channels: this.channelCount }, `mux websocket lost: ${why}`)
    this.state = 'dead'
    this.pool.forget(this)
    for (const ch of this.drop()) ch.lost(code, Buffer.from(why))
  }

  private failed (err: Error): void {
    this.state = 'dead'
    this.pool.forget(this)
    for (const ch of this.drop()) ch.failed(err)
  }

  /** Every channel, removed (each is told once). */
  private drop (): MuxChannel[] {
    const all = [...this.waiting, ...this.channels.values()]
    this.waiting.clear()
    this.channels.clear()
    return all
  }

  /** 404: an older node. The channels waiting on this upgrade get WebSockets of their own. */
  private fallBack (): void {
    this.pool.legacy(this.upstream)
    this.state = 'dead'
    this.pool.forget(this)
    for (const ch of this.drop()) ch.direct(new WebSocketClient(this.up.zk, ch.wsOpts))
  }
}

/**
 * One client connection's channel, with the members of a `ws` client that
 * link.ts uses. After a fall-back it is a thin wrapper of a WebSocket of
 * its own.
 */
export class MuxChannel implements WsClient {
  id = 0
  private closed = false
  private paused = false
  private inner: WsClient | undefined
  private readonly handlers = new Map<string, Handler>()

  constructor (private readonly sock: MuxSocket, readonly wsOpts: WsClientOptions) {}

  get readyState (): number {
    if (this.inner !== undefined) return this.inner.readyState
    if (this.closed) return WS_CLOSED
    return this.sock.isOpen ? WS_OPEN : WS_CONNECTING
  }

  /** the shared socket's: a slow node holds back every channel on it */
  get bufferedAmount (): number {
    return this.inner !== undefined ? this.inner.bufferedAmount : this.sock.ws.bufferedAmount
  }

  /** the TCP socket underneath, for per-turn corking (cork.ts reads `_socket`) */
  get _socket (): unknown {
    return socketOfWebSocket(this.inner ?? this.sock.ws)
  }

  send (data: Buffer, cb?: (err?: Error) => void): void {
    if (this.inner !== undefined) {
      this.inner.send(data, cb)
      return
    }
    if (this.closed || !this.sock.isOpen) return
    this.sock.send(this, data, cb)
  }

  close (code?: number, reason?: string): void {
    if (this.inner !== undefined) {
      this.inner.close(code, reason)
      return
    }
    this.finish()
  }

  terminate (): void {
    if (this.inner !== undefined) {
      this.inner.terminate()
      return
    }
    this.finish()
  }

  ping (): void {
    if (this.inner !== undefined) this.inner.ping()
    else if (!this.closed) this.sock.ping()
  }

  /** link.ts: nothing heard on this channel for `ms`; the socket goes too if it heard nothing either */
  silent (ms: number): void {
    if (this.inner === undefined && !this.closed) this.sock.silent(ms)
  }

  pause (): void {
    if (this.inner !== undefined) {
      this.inner.pause()
      return
    }
    if (this.paused || this.closed) return
    this.paused = true
    this.sock.pause()
  }

  resume (): void {
    if (this.inner !== undefined) {
      this.inner.resume()
      return
    }
    if (!this.paused) return
    this.paused = false
    this.sock.resume()
  }

  on (event: string, listener: Handler): this {
    this.handlers.set(event, listener)
    return this
  }

  removeAllListeners (): this {
    this.handlers.clear()
    this.inner?.removeAllListeners()
    return this
  }

  emit (event: string, ...args: unknown[]): void {
    this.handlers.get(event)?.(...args)
  }

  // ---- from MuxSocket ----

  opened (): void {
    if (!this.closed && this.inner === undefined) this.emit('open')
  }

  /** the node ended the channel (ENDED) or the socket is gone: a WebSocket's 'close' */
  lost (code: number, reason: Buffer): void {
    if (this.closed) return
    this.closed = true
    this.resume()
    this.emit('close', code, reason)
  }

  failed (err: Error): void {
    if (this.closed) return
    this.closed = true
    this.resume()
    this.emit('error', err)
  }

  /** Served by a WebSocket of its own from now on (the upstream has no mux route). */
  direct (ws: WsClient): void {
    this.inner = ws
    for (const event of ['open', 'message', 'close', 'error', 'pong'] as const) {
      ws.on(event as 'open', (...args: unknown[]) => this.emit(event, ...args))
    }
  }

  private finish (): void {
    if (this.closed) return
    this.closed = true
    this.resume()
    this.handlers.clear()
    this.sock.end(this)
  }
}
