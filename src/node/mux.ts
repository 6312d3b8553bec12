// The multiplexed WebSocket (docs/protocol.md, "Many connections over one
// WebSocket"): GET /v1/zk/mux carries many ZooKeeper client connections of
// one sidecar, each on a numbered channel. Every message is
// `uint32 channel ‖ a /v1/zk message`, so each channel is served by an
// ordinary NodeConnection over a MuxChannel that looks to it exactly like
// the WebSocket it would otherwise own: one engine of per-connection logic,
// and one corked TCP socket per sidecar (one writev per turn for all its
// sessions) instead of one per session.

import type { Logger } from 'pino'
import type { WebSocketLike } from './connection'
import { socketOfWebSocket } from '../server/cork'

/** Channel-level message types (the other types are /v1/zk's, per channel). */
export const MuxMsg = {
  /** sidecar → node: the sidecar closed this channel (as closing the WebSocket of /v1/zk) */
  END: 0x05,
  /** node → sidecar: `uint16 code ‖ UTF-8 reason`: the node closed this channel (as it would close the WebSocket) */
  ENDED: 0x87
} as const

const CHANNEL_HEADER = 4
/** Above this many unsent bytes the socket stops reading the sidecar (NodeConnection's HIGH_WATER) */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = HIGH_WATER / 2
const WS_OPEN = 1
const WS_CLOSED = 3
/** what a dropped channel (terminate) reports: the sidecar resumes it elsewhere, as for a dropped WebSocket */
export const CODE_DROPPED = 1006
/** the WebSocket close code for a message that breaks the mux framing */
const CODE_PROTOCOL = 1002
const CODE_UNSUPPORTED = 1003

/** `uint32 channel ‖ msg`, one allocation. */
export function muxFrame (channel: number, msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(CHANNEL_HEADER + msg.length)
  out.writeUInt32BE(channel, 0)
  msg.copy(out, CHANNEL_HEADER)
  return out
}

/** ENDED for `channel`: code and reason (the reason cut to what a close frame would hold). */
export function encodeEnded (channel: number, code: number, reason = ''): Buffer {
  const text = Buffer.from(reason.substring(0, 120), 'utf8')
  const out = Buffer.allocUnsafe(CHANNEL_HEADER + 3 + text.length)
  out.writeUInt32BE(channel, 0)
  out[CHANNEL_HEADER] = MuxMsg.ENDED
  out.writeUInt16BE(code, CHANNEL_HEADER + 1)
  text.copy(out, CHANNEL_HEADER + 3)
  return out
}

/** /v1/zk's CONNECT and RESUME open a channel; nothing else may come first. */
const OPENS = new Set([0x01, 0x02])

export interface MuxSocketOptions {
  /** a new channel: serve it (NodeConnection) */
  accept: (channel: MuxChannel) => void
  log: Logger
  /** the socket is gone (every channel has ended) */
  onClose: (mux: MuxSocket) => void
}

/** One sidecar's multiplexed WebSocket and its live channels. */
export class MuxSocket {
  private readonly channels = new Map<number, MuxChannel>()
  /** channel ids only grow: one at or below this that is not live has ended, and its late messages are dropped */
  private highest = 0
  /** not reading the sidecar: too much unsent to it (backpressure is per socket) */
  private paused = false
  private dead = false
  private readonly onSent = (): void => {
    if (this.paused && this.ws.bufferedAmount <= LOW_WATER) {
      this.paused = false
      this.ws.resume()
    }
  }

  constructor (readonly ws: WebSocketLike, private readonly opts: MuxSocketOptions) {
    ws.on('message', (data, isBinary) => this.message(data, isBinary))
    ws.on('close', () => this.closed())
    ws.on('error', (err) => opts.log.debug({ err }, 'mux websocket error'))
  }

  get size (): number {
    return this.channels.size
  }

  /** Ends the socket itself (drain: 1001, every channel resumes elsewhere). */
  close (code: number, reason: string): void {
    if (this.dead) return
    if (this.paused) {
      // the closing handshake needs the peer's close frame read
      this.paused = false
      this.ws.resume()
    }
    this.ws.close(code, reason)
  }

  private message (data: Buffer, isBinary: boolean): void {
    if (this.dead) return
    if (!isBinary) {
      this.violation(CODE_UNSUPPORTED, 'mux: text message (every message is binary)')
      return
    }
    if (data.length < CHANNEL_HEADER + 1) {
      this.violation(CODE_PROTOCOL, `mux: a message of ${data.length} bytes is shorter than its header (uint32 channel, type byte)`)
      return
    }
    const id = data.readUInt32BE(0)
    const msg = data.subarray(CHANNEL_HEADER)
    const live = this.channels.get(id)
    if (live !== undefined) {
      if (msg[0] === MuxMsg.END && msg.length === 1) live.ended()
      else live.deliver(msg)
      return
    }
    if (id === 0) {
      this.violation(CODE_PROTOCOL, 'mux: channel 0 is not a channel')
      return
    }
    if (id <= this.highest) return // a channel that ended: its late messages mean nothing now
    if (!OPENS.has(msg[0])) {
      this.violation(CODE_PROTOCOL, `mux: message type 0x${msg[0].toString(16).padStart(2, '0')} for channel ${id}, which was never opened (CONNECT or RESUME first)`)
      return
    }
    this.highest = id
    const ch = new MuxChannel(this, id)
    this.channels.set(id, ch)
    this.opts.accept(ch)
    ch.deliver(msg)
  }

  /** The sidecar broke the framing: nothing on this socket can be trusted; every channel resumes elsewhere. */
  private violation (code: number, reason: string): void {
    this.opts.log.warn({ channels: this.channels.size }, `closing mux websocket: ${reason}`)
    this.close(code, reason)
    // no more input; the channels end when the socket does
    this.dead = true
  }

  // ---- for MuxChannel ----

  /**
   * Backpressure for the whole socket, as NodeConnection does for a
   * WebSocket of its own: above HIGH_WATER unsent, stop reading the sidecar.
   * Every message sent while more than LOW_WATER is unsent checks on its way
   * out, so the last one to leave finds the socket drained and reads again.
   */
  send (id: number, msg: Buffer): void {
    const frame = muxFrame(id, msg)
    if (this.ws.bufferedAmount + frame.length > LOW_WATER) this.ws.send(frame, this.onSent)
    else this.ws.send(frame)
    if (!this.paused && this.ws.bufferedAmount > HIGH_WATER) {
      this.paused = true
      this.ws.pause()
    }
  }

  /** The node ends channel `id`: tell the sidecar, forget it. */
  end (ch: MuxChannel, code: number, reason: string): void {
    if (this.channels.get(ch.id) !== ch) return
    this.channels.delete(ch.id)
    if (this.ws.readyState === WS_OPEN) this.ws.send(encodeEnded(ch.id, code, reason))
  }

  forgetChannel (ch: MuxChannel): void {
    if (this.channels.get(ch.id) === ch) this.channels.delete(ch.id)
  }

  private closed (): void {
    this.dead = true
    const channels = [...this.channels.values()]
    this.channels.clear()
    for (const ch of channels) ch.ended()
    this.opts.onClose(this)
  }
}

type Listener = (...args: never[]) => void

/**
 * One channel, shaped like the WebSocket a NodeConnection owns: its close
 * and terminate end the channel (ENDED), not the socket; backpressure is
 * the socket's (a paused socket pauses every channel on it).
 */
export class MuxChannel implements WebSocketLike {
  private open = true
  private onMessage: ((data: Buffer, isBinary: boolean) => void) | undefined
  private onClose: (() => void) | undefined

  constructor (private readonly mux: MuxSocket, readonly id: number) {}

  get readyState (): number {
    return this.open && this.mux.ws.readyState === WS_OPEN ? WS_OPEN : WS_CLOSED
  }

  /**
   * 0: backpressure belongs to the shared socket (MuxSocket.send), so the
   * connection never pauses on its own; one channel's pause would be every
   * channel's, and could outlast its last message.
   */
  get bufferedAmount (): number {
    return 0
  }

  /** the shared TCP socket, for per-turn corking (cork.ts socketOfWebSocket reads `_socket`) */
  get _socket (): unknown {
    return socketOfWebSocket(this.mux.ws)
  }

  /** `cb` (NodeConnection's backpressure check) is not needed: the socket does it */
  send (data: Buffer): void {
    if (!this.open) return
    this.mux.send(this.id, data)
  }

  close (code = 1000, reason = ''): void {
    this.finish(code, reason)
  }

  terminate (): void {
    this.finish(CODE_DROPPED, 'dropped')
  }

  /** never called (bufferedAmount is 0): the socket pauses itself */
  pause (): void {}
  resume (): void {}

  on (event: 'message' | 'close' | 'error', fn: Listener): this {
    if (event === 'message') this.onMessage = fn as (data: Buffer, isBinary: boolean) => void
    else if (event === 'close') this.onClose = fn as () => void
    // 'error': a channel has none of its own; the socket's are logged by MuxSocket
    return this
  }

  deliver (msg: Buffer): void {
    if (this.open) this.onMessage?.(msg, true)
  }

  /** The sidecar ended the channel, or the socket is gone. */
  ended (): void {
    if (!this.open) return
    this.mux.forgetChannel(this)
    this.gone()
  }

  private finish (code: number, reason: string): void {
    if (!this.open) return
    this.mux.end(this, code, reason)
    this.gone()
  }

  private gone (): void {
    this.open = false
    const onClose = this.onClose
    this.onClose = undefined
    this.onMessage = undefined
    // as a WebSocket's 'close' event: after the call that closed it has returned
    if (onClose !== undefined) setImmediate(onClose)
  }
}
