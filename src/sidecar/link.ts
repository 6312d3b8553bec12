// One ZooKeeper client TCP connection carried over the WebSocket API
// (docs/protocol.md) to whichever node is alive. The sidecar holds no
// authoritative state: only what it needs to re-attach the same connection
// through another node without the client noticing, i.e. the session's id
// and password, the last event seq written to the client, the requests not
// answered yet and the auth frames.

import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { OpCode, Xid } from '../engine/codes'
import {
  FrameDecoder, FrameTooLargeError, JuteDecodeError,
  decodeConnectRequest, decodeConnectResponse, encodePing
} from '../protocol'
import { fourLetterWordOf } from '../server/fourletter'
import { drainedOrClosed, fetchFourLetterWord, FOUR_LETTER_COALESCE } from './fourletter'
import {
  CLOSE, CONNECTED, DETACH_MESSAGE, EVENT, EXPIRED, LINK_LENGTH, REPLY, RESUMED, RESUMED_IDENTITIES, UpstreamProtocolError,
  checkFrame, connectMessage, originTrailer, readInt64, requestMessage, resumeMessage, setAckSeq, setAttempt
} from './messages'
import type { SidecarStats } from './stats'
import type { Upstream } from './upstreams'
import { WS_OPEN, WebSocketClient, type WsClient } from './ws'
import { MuxChannel, type MuxPool } from './mux'
import { holdUntilTurnEnd, socketOfWebSocket } from '../server/cork'

/** Above this many unsent bytes in one direction, stop reading the other side. */
const HIGH_WATER = 1024 * 1024
/** The ConnectRequest is retried across nodes for the requested timeout, within these bounds. */
const MIN_CONNECT_WAIT = 1000
const MAX_CONNECT_WAIT = 60000
/** No single WebSocket handshake may take longer: the next node may answer at once. */
const MAX_HANDSHAKE_MS = 5000
/** The shortest wait for RESUMED before another node is tried. */
const MIN_ATTEMPT_MS = 500
/** A peer that never sends a ConnectRequest is dropped, as ZooKeeper does. */
const HANDSHAKE_IDLE_MS = 60000
const FOUR_LETTER_TIMEOUT_MS = 5000
/**
 * The words that read every watch or session in Redis before the node can
 * answer (wchs must count all before its first line): a large service takes
 * seconds, and the next node would take as long, so they get longer.
 */
const SCANNING_WORDS = new Set(['wchs', 'wchc', 'wchp', 'dump'])
const SCANNING_TIMEOUT_MS = 60000
/** RequestHeader of a ping: xid -2, opcode 11. */
const PING_BODY = Buffer.from([0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 11])
/** ReplyHeader: xid, zxid, err. */
const REPLY_HEADER = 16
/** ConnectResponse: protocolVersion, timeOut, sessionId, password length. */
const CONNECT_RESPONSE_MIN = 20

/**
 * The masking key of every frame to the node: zero. RFC 6455 masks client
 * frames so that script in a browser cannot make bytes of its choosing
 * appear on the wire to confuse a proxy's cache; the sidecar is no browser
 * and sends its own client's jute frames. A zero key spares a random key
 * per frame (a randomFillSync call) and the XOR pass over every byte: ws
 * sends such frames unmasked-in-effect, and every server still accepts them.
 */
function zeroMask (mask: Buffer): void {
  mask.fill(0)
}

/** What the sidecar shares with each of its links. */
export interface LinkEnv {
  readonly upstreams: readonly Upstream[]
  /** where a new connection starts: spreads connections over the upstreams */
  nextUpstream(): number
  readonly maxBuffer: number
  /** delay before the second reconnection attempt; doubles up to maxBackoffMs */
  readonly backoffMs: number
  readonly maxBackoffMs: number
  readonly log: Logger
  readonly stats: SidecarStats
  /** CAs trusted for wss:// upstreams (--upstream-ca) */
  readonly upstreamCa?: Buffer
  /** an upstream's TLS certificate was refused: says so (rate-limited), the link tries the next */
  certificateRefused(upstream: number, err: Error): void
  /** the shared WebSockets (GET /v1/zk/mux); undefined: one WebSocket per client connection (/v1/zk) */
  readonly mux?: MuxPool
  forget(link: ClientLink): void
}

type State =
  | 'first' // fewer than 4 bytes seen: may still be a four-letter word
  | 'handshake' // waiting for the ConnectRequest frame
  | 'connecting' // ConnectRequest sent on, no session yet
  | 'open' // the session is known; attached to a node or re-attaching
  | 'expiring' // the node answered "session expired"; its CLOSE follows
  | 'closing' // the client connection is being closed: input ignored
  | 'closed'

/** A request sent on (or to be sent) whose reply has not come yet. */
interface Sent {
  xid: number
  /** the REQUEST message, kept whole so a replay re-stamps ackSeq and sends it as is */
  msg: Buffer
  answered: boolean
  /** a ping the client pipelined behind its ConnectRequest: sent once after CONNECTED, never replayed */
  ping?: true
}

export class ClientLink {
  private state: State = 'first'
  private head: Buffer | undefined
  private readonly decoder: FrameDecoder
  private readonly onFrame = (frame: Buffer): void => this.clientFrame(frame)

  private ws: WsClient | undefined
  /** the session is attached on `ws`: REQUESTs may flow */
  private ready = false
  private upstream: number
  private attempt = 0
  private attemptStarted = 0
  private retryTimer: NodeJS.Timeout | undefined
  /** give up re-attaching at this time (ms); 0 while attached */
  private deadline = 0

  private connectMsg: Buffer | undefined
  private sessionId = 0n
  private passwd: Buffer = Buffer.alloc(16)
  private timeout = 0
  /** the last EVENT seq written to the client (0: none yet) */
  private deliveredSeq = 0
  private lastZxid = 0

  /** unanswered requests, in the order the client sent them (pings excluded) */
  private pending: Sent[] = []
  private pendingBytes = 0
  /**
   * Who this connection is, for the node (docs/protocol.md, client origin):
   * a random link id, secret between us and the nodes, under which they
   * keep the identities the client proves, and the client's address.
   */
  private readonly origin: Buffer
  /** CONNECTs and RESUMEs sent so far: each is stamped with its number (setAttempt) */
  private tries = 0
  /** every auth packet of this connection, re-sent on RESUME to a node that did not keep the identities */
  private readonly auths: Sent[] = []
  /** replies to auth packets re-sent only to restore identities, which the client must not see twice */
  private swallowAuthReplies = 0
  /** replies to the sidecar's own pings, which the client never sent */
  private swallowPingReplies = 0

  /** liveness of the current WebSocket, checked by tick() */
  private heard = false
  private silentSince = 0
  private probed = false
  private wsPaused = false
  private clientPaused = false
  private fourLetter = false
  private corked = false
  private readonly uncork = (): void => {
    this.corked = false
    this.socket.uncork()
  }

  constructor (private readonly env: LinkEnv, private readonly socket: Socket) {
    this.decoder = new FrameDecoder({ maxBuffer: env.maxBuffer })
    this.upstream = env.nextUpstream()
    this.origin = originTrailer(randomBytes(LINK_LENGTH), normalizeAddress(socket.remoteAddress), socket.remotePort ?? 0)
    env.stats.clients++
    socket.setNoDelay(true)
    socket.setTimeout(HANDSHAKE_IDLE_MS)
    socket.on('timeout', () => {
      if (this.state === 'first' || this.state === 'handshake') this.abort('no ConnectRequest in time')
    })
    socket.on('data', (chunk: Buffer) => this.clientData(chunk))
    socket.on('end', () => this.clientEnded())
    socket.on('drain', () => this.clientDrained())
    socket.on('error', (err) => env.log.debug({ err: err.message, session: this.sessionHex() }, 'client connection error'))
    socket.on('close', () => this.clientClosed())
  }

  // ---- client → node ----

  private clientData (chunk: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'expiring') return
    if (this.state === 'first') {
      const head = this.head === undefined ? chunk : Buffer.concat([this.head, chunk])
      if (head.length < 4) {
        this.head = head
        return
      }
      this.head = undefined
      const word = fourLetterWordOf(head)
      if (word !== undefined) {
        this.fourLetterWord(word)
        return
      }
      this.state = 'handshake'
      chunk = head
    }
    try {
      this.decoder.push(chunk, this.onFrame)
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        this.env.log.warn({ session: this.sessionHex(), length: err.length }, `closing client connection: ${err.message}`)
        this.abort('bad frame length')
        return
      }
      // A bug of ours must cost one connection, not the sidecar.
      this.env.log.error({ err, session: this.sessionHex() }, 'closing client connection: unexpected error')
      this.abort('internal error')
    }
  }

  /**
   * The client half-closed. The server socket allows half-open connections
   * only so that `echo ruok | nc` still gets the node's answer, which comes
   * asynchronously; any other connection ends here, as ZooKeeper's does.
   */
  private clientEnded (): void {
    if (this.state === 'closing' && this.fourLetter) return
    this.socket.end()
  }

  private clientFrame (frame: Buffer): void {
    switch (this.state) {
      case 'handshake':
        this.connectFrame(frame)
        return
      case 'connecting':
      case 'open':
        this.requestFrame(frame)
        return
      default:
        // closing: further bytes are ignored, as ZooKeeper disables receive
    }
  }

  private connectFrame (frame: Buffer): void {
    let timeOut: number
    try {
      timeOut = decodeConnectRequest(frame).timeOut
    } catch (err) {
      if (!(err instanceof JuteDecodeError)) throw err
      this.env.log.warn({ err: err.message }, 'closing client connection: malformed ConnectRequest')
      this.abort('malformed ConnectRequest')
      return
    }
    this.socket.setTimeout(0)
    this.connectMsg = connectMessage(frame, this.origin)
    this.state = 'connecting'
    this.deadline = Date.now() + Math.min(Math.max(timeOut, MIN_CONNECT_WAIT), MAX_CONNECT_WAIT)
    this.openUpstream()
  }

  private requestFrame (body: Buffer): void {
    if (body.length < 8) {
      this.env.log.warn({ session: this.sessionHex() }, 'closing client connection: malformed request header')
      this.abort('malformed request header')
      return
    }
    if (body.readInt32BE(4) === OpCode.ping) {
      this.ping(body)
      return
    }
    const xid = body.readInt32BE(0)
    const sent: Sent = { xid, msg: requestMessage(this.deliveredSeq, body), answered: false }
    this.pending.push(sent)
    this.pendingBytes += sent.msg.length
    if (xid === Xid.AUTH) this.auths.push(sent)
    if (this.ready) this.sendUp(sent.msg)
    else if (this.pendingBytes > HIGH_WATER) this.pauseClient()
  }

  private ping (body: Buffer): void {
    if (this.ready) {
      // Forwarded, not answered here: it is the session's heartbeat.
      this.sendUp(requestMessage(this.deliveredSeq, body))
    } else if (this.state === 'open') {
      // Between nodes. The RESUME is the heartbeat; answering keeps the
      // client's read timeout from firing while we re-attach. If no node
      // comes back in time the connection is closed all the same.
      this.writeClient(encodePing(undefined, this.lastZxid))
    } else if (this.state === 'connecting') {
      // Pipelined behind the ConnectRequest: ZooKeeper reads it once the
      // session is made (it stops reading meanwhile) and answers it in
      // order, so it waits in line with the requests sent so far.
      const sent: Sent = { xid: Xid.PING, msg: requestMessage(this.deliveredSeq, body), answered: false, ping: true }
      this.pending.push(sent)
      this.pendingBytes += sent.msg.length
      if (this.pendingBytes > HIGH_WATER) this.pauseClient()
    }
  }

  private sendUp (msg: Buffer): void {
    const ws = this.ws as WsClient
    // the requests of one read from the client leave in one write
    const socket = socketOfWebSocket(ws)
    if (socket !== undefined) holdUntilTurnEnd(socket)
    if (ws.bufferedAmount > HIGH_WATER) {
      // The node (or the network) is slower than the client: stop reading
      // the client until this message has left.
      this.pauseClient()
      ws.send(msg, () => { if (ws === this.ws && ws.bufferedAmount <= HIGH_WATER / 2) this.resumeClient() })
    } else {
      ws.send(msg)
    }
  }

  // ---- node → client ----

  private openUpstream (): void {
    const up = this.env.upstreams[this.upstream]
    const remaining = Math.max(1, this.deadline - Date.now())
    const opts = {
      perMessageDeflate: false,
      generateMask: zeroMask,
      handshakeTimeout: Math.min(remaining, MAX_HANDSHAKE_MS),
      ...(this.env.upstreamCa === undefined ? {} : { ca: this.env.upstreamCa })
    }
    // a channel of a shared WebSocket behaves as a WebSocket of our own (mux.ts)
    const ws = this.env.mux === undefined ? new WebSocketClient(up.zk, opts) : this.env.mux.open(this.upstream, opts)
    this.ws = ws
    this.wsPaused = false
    this.attemptStarted = Date.now()
    ws.on('open', () => this.upstreamOpen(ws))
    ws.on('message', (data, isBinary) => this.upstreamMessage(ws, data, isBinary))
    ws.on('close', (code) => this.upstreamLost(ws, `WebSocket closed (${code})`))
    ws.on('error', (err) => {
      if (isCertificateError(err)) this.env.certificateRefused(this.upstream, err)
      this.upstreamLost(ws, err.message)
    })
    ws.on('pong', () => { this.heard = true })
  }

  private upstreamOpen (ws: WsClient): void {
    if (ws !== this.ws) return
    this.heard = true
    if (this.state === 'connecting') {
      const msg = this.connectMsg as Buffer
      setAttempt(msg, this.origin.length, ++this.tries)
      ws.send(msg)
    } else if (this.state === 'open') {
      const msg = resumeMessage(this.sessionId, this.passwd, this.deliveredSeq, this.origin)
      setAttempt(msg, this.origin.length, ++this.tries)
      ws.send(msg)
    }
  }

  private upstreamMessage (ws: WsClient, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws) return
    this.heard = true
    try {
      if (!isBinary || data.length === 0) throw new UpstreamProtocolError('a message that is not binary or is empty')
      switch (data[0]) {
        case REPLY: this.reply(data); return
        case EVENT: this.event(data); return
        case CONNECTED: this.connected(data); return
        case RESUMED: this.resumed(data); return
        case CLOSE: this.closeClient(`the node closed the session: ${data.toString('utf8', 1)}`); return
        case EXPIRED: this.expired(); return
        default: throw new UpstreamProtocolError(`unknown message type 0x${data[0].toString(16)}`)
      }
    } catch (err) {
      if (!(err instanceof UpstreamProtocolError) && !(err instanceof JuteDecodeError) && !(err instanceof RangeError)) throw err
      // The node and we disagree on the protocol: nothing it sends can be
      // trusted for this client any more, and replaying would repeat it.
      this.env.log.error({ session: this.sessionHex(), upstream: this.env.upstreams[this.upstream].label, err: err.message }, 'closing client connection: protocol error from node')
      this.abort('protocol error from node')
    }
  }

  private reply (data: Buffer): void {
    if (!this.ready) throw new UpstreamProtocolError('REPLY before the session was attached')
    const frame = data.subarray(1)
    checkFrame(frame, REPLY_HEADER, 'REPLY')
    const xid = frame.readInt32BE(4)
    const zxid = readInt64(frame, 8)
    if (zxid > this.lastZxid) this.lastZxid = zxid
    if (xid === Xid.AUTH && this.swallowAuthReplies > 0) {
      this.swallowAuthReplies--
      return
    }
    if (xid === Xid.PING) {
      if (this.swallowPingReplies > 0) {
        // Pings carry nothing but liveness: dropping any one of them stands
        // for dropping ours, whichever came first.
        this.swallowPingReplies--
        return
      }
    } else {
      this.answered(xid)
    }
    this.writeClient(frame)
  }

  /** Forget the request `xid` answers. Replies come in request order, so it is the oldest one. */
  private answered (xid: number): void {
    let i = 0
    if (this.pending.length === 0 || this.pending[0].xid !== xid) {
      i = this.pending.findIndex((s) => s.xid === xid)
      if (i < 0) {
        this.env.log.debug({ session: this.sessionHex(), xid }, 'reply to no outstanding request')
        return
      }
    }
    const sent = i === 0 ? this.pending.shift() as Sent : this.pending.splice(i, 1)[0]
    sent.answered = true
    this.pendingBytes -= sent.msg.length
  }

  private event (data: Buffer): void {
    if (!this.ready) throw new UpstreamProtocolError('EVENT before the session was attached')
    if (data.length < 9) throw new UpstreamProtocolError('EVENT without its seq')
    const seq = readInt64(data, 1)
    const frame = data.subarray(9)
    checkFrame(frame, REPLY_HEADER, 'EVENT')
    // Seqs only grow: one at or below the last written was written already
    // (re-sent after a RESUME that raced with its delivery).
    if (seq <= this.deliveredSeq) return
    this.deliveredSeq = seq
    this.writeClient(frame)
  }

  private connected (data: Buffer): void {
    if (this.state !== 'connecting') throw new UpstreamProtocolError('CONNECTED outside a handshake')
    const frame = data.subarray(1)
    checkFrame(frame, CONNECT_RESPONSE_MIN, 'CONNECTED')
    const res = decodeConnectResponse(frame.subarray(4))
    this.connectMsg = undefined
    this.writeClient(frame)
    if (res.timeOut <= 0 || res.sessionIdBig === 0n) {
      // "Session expired": the node follows with CLOSE; if it only drops
      // the WebSocket the client is closed all the same.
      this.state = 'expiring'
      this.ready = false
      this.env.stats.expired++
      return
    }
    this.sessionId = res.sessionIdBig
    this.passwd = res.passwd
    this.timeout = res.timeOut
    this.state = 'open'
    this.env.stats.sessions++
    this.attached(false)
  }

  private resumed (data: Buffer): void {
    if (this.state !== 'open' || this.ready) throw new UpstreamProtocolError('RESUMED without a RESUME')
    if (data.length < 5) throw new UpstreamProtocolError('RESUMED without its timeout')
    const timeout = data.readInt32BE(1)
    if (timeout > 0) this.timeout = timeout
    // An older node sends no flags byte and keeps no identities.
    const identitiesKept = data.length >= 6 && (data[5] & RESUMED_IDENTITIES) !== 0
    this.env.stats.resumes++
    this.env.log.debug({ session: this.sessionHex(), upstream: this.env.upstreams[this.upstream].label, replay: this.pending.length, identitiesKept }, 'session re-attached')
    this.attached(true, identitiesKept)
  }

  /** The session is attached on this WebSocket: send what the node has not answered, in order. */
  private attached (resumed: boolean, identitiesKept = false): void {
    this.ready = true
    this.attempt = 0
    this.deadline = 0
    this.swallowAuthReplies = 0
    this.swallowPingReplies = 0
    if (resumed && !identitiesKept) {
      // The node did not keep this connection's identities: auth packets
      // first, as the client established them; the replies to those already
      // answered are dropped, the others are still pending. (A SASL
      // exchange cannot be replayed: only a node that keeps identities
      // keeps a SASL identity across a failover.)
      for (const a of this.auths) {
        if (!a.answered) continue
        setAckSeq(a.msg, this.deliveredSeq)
        this.sendUp(a.msg)
        this.swallowAuthReplies++
      }
    }
    if (resumed) {
      this.env.stats.replayed += this.pending.length
    }
    let pings = 0
    for (const s of this.pending) {
      setAckSeq(s.msg, this.deliveredSeq)
      this.sendUp(s.msg)
      if (s.ping === true) pings++
    }
    if (pings > 0) {
      // Early pings leave once, now: their replies are not tracked, and a
      // lost one is not worth replaying (the next ping proves as much).
      for (const s of this.pending) if (s.ping === true) this.pendingBytes -= s.msg.length
      this.pending = this.pending.filter((s) => s.ping !== true)
    }
    if (resumed) {
      // A ping marks the end of the replays: the node holds back events
      // queued meanwhile until the replayed requests are in line, and this
      // tells it so at once instead of after its backstop delay.
      this.sendUp(requestMessage(this.deliveredSeq, PING_BODY))
      this.swallowPingReplies++
    }
    if (this.clientPaused && (this.ws as WsClient).bufferedAmount <= HIGH_WATER) this.resumeClient()
  }

  private expired (): void {
    this.env.stats.expired++
    this.closeClient('session expired while re-attaching')
  }

  /** The WebSocket is gone (node died, network, handshake refused): re-attach elsewhere. */
  private upstreamLost (ws: WsClient, why: string): void {
    if (ws !== this.ws) return
    const wasReady = this.ready
    this.ws = undefined
    this.ready = false
    ws.removeAllListeners()
    ws.on('error', () => {})
    ws.terminate()
    switch (this.state) {
      case 'connecting':
      case 'open':
        if (wasReady) {
          // The last heartbeat any node saw was no later than now.
          this.deadline = Date.now() + this.timeout
          this.env.log.debug({ session: this.sessionHex(), upstream: this.env.upstreams[this.upstream].label, why }, 'node lost, re-attaching')
        }
        this.retry()
        return
      case 'expiring':
        this.closeClient('session expired')
        return
      default:
        // closing or closed: nothing to re-attach
    }
  }

  private retry (): void {
    const now = Date.now()
    if (now >= this.deadline) {
      this.giveUp()
      return
    }
    // The next node at once, then backing off: a load balancer may need a
    // moment to notice the dead one.
    const delay = this.attempt === 0 ? 0 : Math.min(this.env.backoffMs * 2 ** (this.attempt - 1), this.env.maxBackoffMs)
    this.attempt++
    this.upstream = (this.upstream + 1) % this.env.upstreams.length
    if (delay === 0) {
      this.openUpstream()
      return
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.state === 'connecting' || this.state === 'open') this.openUpstream()
    }, Math.min(delay, this.deadline - now))
  }

  private giveUp (): void {
    this.env.stats.gaveUp++
    this.env.log.info({ session: this.sessionHex() }, 'no node reachable within the session timeout: closing the client connection')
    this.closeClient('no node reachable')
  }

  // ---- liveness ----

  /**
   * Called every sidecar tick. A node killed with its host, or cut off by
   * the network, closes no socket: silence on the WebSocket is probed with
   * a ping and, if it lasts half the session timeout, the WebSocket is
   * dropped so there is time left to re-attach elsewhere.
   */
  tick (now: number): void {
    if (this.state !== 'connecting' && this.state !== 'open') return
    if (!this.ready) {
      if (this.deadline > 0 && now >= this.deadline) {
        this.giveUp()
        return
      }
      // A node that took the WebSocket but does not answer the handshake is
      // as good as dead: the next one may answer while there is time left.
      const wait = this.state === 'open' ? Math.max(MIN_ATTEMPT_MS, this.timeout / 4) : MAX_HANDSHAKE_MS
      if (this.ws !== undefined && now - this.attemptStarted >= wait) {
        // a shared WebSocket that heard nothing meanwhile is dropped with all its channels
        if (this.ws instanceof MuxChannel) this.ws.silent(wait)
        this.upstreamLost(this.ws, `no answer within ${wait} ms`)
      }
      return
    }
    if (this.heard || this.wsPaused) {
      this.heard = false
      this.probed = false
      this.silentSince = now
      return
    }
    const silent = now - this.silentSince
    const ws = this.ws as WsClient
    if (silent >= this.timeout / 2) {
      if (ws instanceof MuxChannel) ws.silent(silent)
      this.upstreamLost(ws, `no answer from the node for ${silent} ms`)
    } else if (silent >= this.timeout / 4 && !this.probed) {
      this.probed = true
      ws.ping()
    }
  }

  // ---- plumbing ----

  private writeClient (frame: Buffer): void {
    if (!this.corked) {
      // Replies and events that arrive together (one read from the node)
      // leave together: one writev instead of one write each.
      this.corked = true
      this.socket.cork()
      process.nextTick(this.uncork)
    }
    this.socket.write(frame)
    if (!this.wsPaused && this.ws !== undefined && this.socket.writableLength > HIGH_WATER) {
      // The client does not read: stop reading the node for it.
      this.wsPaused = true
      this.ws.pause()
    }
  }

  private clientDrained (): void {
    if (this.wsPaused && this.socket.writableLength <= HIGH_WATER / 2) {
      this.wsPaused = false
      this.ws?.resume()
    }
  }

  private pauseClient (): void {
    if (this.clientPaused) return
    this.clientPaused = true
    this.socket.pause()
  }

  private resumeClient (): void {
    if (!this.clientPaused) return
    this.clientPaused = false
    this.socket.resume()
  }

  private fourLetterWord (word: string): void {
    this.state = 'closing'
    this.fourLetter = true
    this.env.log.debug(`four-letter word ${word}`)
    const timeoutMs = SCANNING_WORDS.has(word) ? SCANNING_TIMEOUT_MS : FOUR_LETTER_TIMEOUT_MS
    void fetchFourLetterWord(this.env.upstreams, this.env.nextUpstream(), word, timeoutMs, this.env.upstreamCa).then(async (body) => {
      if (this.socket.destroyed) return
      if (body === undefined) {
        this.socket.destroy()
        return
      }
      // Written in pieces of up to COALESCE bytes: a short answer leaves in
      // one write as ZooKeeper's does (kazoo's command() reads a single
      // recv), a long dump streams without being held whole.
      let pending: Uint8Array[] = []
      let size = 0
      try {
        for await (const chunk of body) {
          if (this.socket.destroyed) return
          pending.push(chunk)
          size += chunk.length
          if (size < FOUR_LETTER_COALESCE) continue
          const full = this.socket.write(Buffer.concat(pending))
          pending = []
          size = 0
          // the client reads slowly: wait rather than buffer the whole dump
          if (!full) await drainedOrClosed(this.socket)
        }
      } catch {
        // the node went away mid-answer: the client sees the connection close
        this.socket.destroy()
        return
      }
      if (this.socket.destroyed) return
      this.socket.end(Buffer.concat(pending))
      this.socket.once('finish', () => this.socket.destroy())
    })
  }

  /** Close the client once everything written so far has left; the session is not ours to detach. */
  private closeClient (why: string): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.env.log.debug({ session: this.sessionHex() }, `closing client connection: ${why}`)
    this.state = 'closing'
    this.ready = false
    this.dropUpstream()
    this.resumeClient()
    this.socket.end()
    this.socket.once('finish', () => this.socket.destroy())
  }

  /** Close the client at once (bad input, protocol error). Its session is detached, not closed. */
  private abort (why: string): void {
    if (this.state === 'closed') return
    this.env.log.debug({ session: this.sessionHex() }, `aborting client connection: ${why}`)
    if (this.state !== 'closing') this.state = 'closing'
    this.socket.destroy()
  }

  /** Stop the sidecar's side: detach the session so the node drops its watches, then close. */
  shutdown (): void {
    this.socket.destroy()
  }

  private clientClosed (): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.env.stats.clients--
    if (this.ws !== undefined && this.ready) {
      // The client went without closeSession: the session lives on, but
      // watches belonged to this connection.
      this.ws.send(DETACH_MESSAGE)
    }
    this.ready = false
    this.dropUpstream()
    this.pending = []
    this.env.forget(this)
  }

  private dropUpstream (): void {
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer)
      this.retryTimer = undefined
    }
    const ws = this.ws
    if (ws === undefined) return
    this.ws = undefined
    ws.removeAllListeners()
    ws.on('error', () => {})
    if (ws.readyState === WS_OPEN) ws.close(1000)
    else ws.terminate()
  }

  private sessionHex (): string | undefined {
    return this.sessionId === 0n ? undefined : `0x${this.sessionId.toString(16)}`
  }
}

/** "::ffff:127.0.0.1" (IPv4 on a dual-stack socket) → "127.0.0.1", as Java reports it. */
function normalizeAddress (addr: string | undefined): string {
  if (addr === undefined) return '0.0.0.0'
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.substring(7) : addr
}

/** A TLS verification failure (untrusted issuer, wrong name, expired…), as opposed to a node that is down. */
export function isCertificateError (err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code
  if (typeof code !== 'string') return false
  return /CERT|SIGNATURE|ISSUER|^ERR_TLS_|^ERR_SSL_/.test(code)
}
