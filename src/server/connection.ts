// One client TCP connection: its state machine and socket plumbing. The
// first four bytes decide what it is (a four-letter word or a session); after
// the handshake every frame is a request. Replies and events go through the
// hub's outbox (the durability barrier), never straight to the socket.

import type { Socket } from 'node:net'
import { FrameDecoder, FrameTooLargeError, JuteReader } from '../protocol'
import type { Id, SessionId } from '../engine/types'
import { answerFourLetterWord, fourLetterWordOf } from './fourletter'
import { handleConnect } from './handshake'
import { handleRequest } from './dispatch'
import type { Hub } from './hub'
import { authInfoOrder, type SaslExchange } from './auth'
import type { FrameSink, SentHook } from './outbox'
import { ConnectionStats } from './stats'

/**
 * Above this many bytes produced for the client and not yet sent (held by
 * the outbox for an fsync, or in the socket's buffer) we stop taking its
 * requests until they drain below half. Checked after every request, not
 * every chunk: one chunk of pipelined getChildren of a huge parent would
 * otherwise build all its replies at once.
 */
export const HIGH_WATER = 1024 * 1024

type State =
  | 'first' // fewer than 4 bytes seen: may still be a four-letter word
  | 'handshake' // waiting for the ConnectRequest frame
  | 'open' // session attached, serving requests
  | 'closing' // decided to close: input is ignored, queued output still leaves
  | 'closed'

export class Connection implements FrameSink {
  readonly stats = new ConnectionStats()
  /** peer address as ZooKeeper prints it: "/127.0.0.1:52110" */
  readonly remote: string
  /** peer IP, the id of the `ip` auth scheme */
  readonly address: string
  sessionId: SessionId = 0
  timeout = 0
  /** identities for ACL checks; ZooKeeper starts every connection with ip:<peer> */
  readonly auth: Id[]
  /** requests received whose reply has not left yet (counted server-wide too: globalOutstandingLimit) */
  get queued (): number {
    return this.ownQueued
  }

  set queued (n: number) {
    this.hub.outstanding.count += n - this.ownQueued
    this.ownQueued = n
  }

  /** reused for every request frame */
  readonly reader = new JuteReader(Buffer.alloc(0))

  private state: State = 'first'
  private head: Buffer | undefined
  private readonly decoder: FrameDecoder
  private readingPaused = false
  private ownQueued = 0
  /** bytes of frames produced for this connection and not yet written to its socket (waiting in the outbox) */
  private unwritten = 0
  /** the rest of a chunk whose requests were not taken yet (reading stopped in the middle of it) */
  private held: Buffer | undefined
  private resumeScheduled = false
  /** the socket is corked until the end of this tick (see writeFrame) */
  private corked = false
  private closeQueued = false
  private readonly onFrame = (frame: Buffer): boolean => this.frame(frame)

  constructor (private readonly hub: Hub, private readonly socket: Socket) {
    this.address = normalizeAddress(socket.remoteAddress ?? 'unknown')
    this.remote = `/${this.address}:${socket.remotePort ?? 0}`
    this.auth = [{ scheme: 'ip', id: this.address }]
    this.decoder = new FrameDecoder({ maxBuffer: hub.limits.maxBuffer })
    socket.setNoDelay(true)
    // A peer that never completes the handshake is dropped, as ZooKeeper
    // expires sessionless connections.
    socket.setTimeout(hub.limits.maxSessionTimeout)
    socket.on('timeout', () => {
      if (this.state === 'first' || this.state === 'handshake') this.destroy('no handshake in time')
    })
    socket.on('data', (chunk: Buffer) => this.data(chunk))
    socket.on('drain', () => this.drained())
    socket.on('error', (err) => hub.log.debug({ err, peer: this.remote }, 'connection error'))
    socket.on('close', () => this.closed())
  }

  get alive (): boolean {
    return this.state !== 'closed' && !this.socket.destroyed
  }

  /** true once the connection is going away: callers stop producing for it */
  get closing (): boolean {
    return this.state === 'closing' || this.state === 'closed'
  }

  /** 1 while reading, 0 while paused, as ZooKeeper's `cons` shows selector interest. */
  get interestOps (): number {
    return this.readingPaused || this.closing ? 0 : 1
  }

  // ---- output (called by the outbox) ----

  writeFrame (frame: Buffer, sent: SentHook | undefined): void {
    this.unwritten -= frame.length
    if (this.socket.writableEnded) return // closed for output: nothing more may follow
    if (!this.corked) {
      // Every frame produced in this turn of the event loop (the replies to
      // one chunk of pipelined requests, one fsync's worth of released
      // replies) leaves in one writev instead of one send() each: the
      // syscall per reply was the largest single cost of the server.
      this.corked = true
      this.socket.cork()
      process.nextTick(uncork, this)
    }
    this.socket.write(frame)
    this.hub.stats.packetsSent++
    this.stats.packetsSent++
    if (sent !== undefined) sent(Date.now())
    if (this.readingPaused) this.resumeSoon()
    else if (this.mustStop()) this.stopReading()
  }

  /** End of the tick: send what writeFrame gathered. */
  flush (): void {
    this.corked = false
    this.socket.uncork()
  }

  endAfterWrites (): void {
    this.state = 'closing'
    this.socket.end()
    // end() only half-closes; once our bytes are flushed we are done with it
    // whether or not the peer closes its side.
    this.socket.once('finish', () => this.socket.destroy())
  }

  // ---- used by handshake and dispatch ----

  /** Queue a frame behind the durability barrier. */
  send (frame: Buffer, sent?: SentHook): void {
    this.unwritten += frame.length
    this.hub.outbox.send(this, frame, sent)
  }

  /** Close once everything already produced for this connection has left. */
  closeAfterReplies (): void {
    if (this.closeQueued || this.state === 'closed') return
    this.closeQueued = true
    this.state = 'closing'
    this.hub.outbox.close(this)
  }

  /** Close at once, dropping anything queued: taken over, expired, or misbehaving. */
  destroy (why: string): void {
    if (this.state === 'closed') return
    this.hub.log.debug({ peer: this.remote, session: this.sessionHex() }, `closing connection: ${why}`)
    this.state = 'closing'
    this.socket.destroy()
  }

  attach (sessionId: SessionId, timeout: number): void {
    this.sessionId = sessionId
    this.timeout = timeout
    this.state = 'open'
    this.socket.setTimeout(0)
  }

  /** this connection's SASL exchange, made at its first SASL packet */
  sasl: SaslExchange | undefined

  addAuth (id: Id): void {
    for (const a of this.auth) if (a.scheme === id.scheme && a.id === id.id) return
    this.auth.push(id)
    // ZooKeeper's identity set hands ids out in hash order (whoAmI, auth ACLs)
    const ordered = authInfoOrder(this.auth)
    for (let i = 0; i < ordered.length; i++) this.auth[i] = ordered[i] as Id
  }

  sessionHex (): string {
    return `0x${this.sessionId.toString(16)}`
  }

  // ---- input ----

  private data (chunk: Buffer): void {
    if (this.closing) return
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
    this.feed(chunk)
  }

  /** Decodes and serves `chunk` until done or until reading must stop; keeps the rest for later. */
  private feed (chunk: Buffer): void {
    try {
      const used = this.decoder.pushUntil(chunk, this.onFrame)
      if (used < chunk.length && !this.closing) this.held = chunk.subarray(used)
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        this.hub.log.warn({ peer: this.remote, session: this.sessionHex(), length: err.length }, `closing connection: ${err.message}`)
        this.destroy('bad frame length')
        return
      }
      // A bug of ours must cost one connection, not the whole server.
      this.hub.log.error({ err, peer: this.remote, session: this.sessionHex() }, 'closing connection: unexpected error while serving it')
      this.destroy('internal error')
    }
  }

  /** Serves one frame; false: take no more now (the decoder stops, the rest of the chunk is held). */
  private frame (frame: Buffer): boolean {
    if (this.state === 'open') {
      handleRequest(this.hub, this, frame)
    } else if (this.state === 'handshake') {
      this.hub.stats.packetsReceived++
      this.stats.packetsReceived++
      handleConnect(this.hub, this, frame)
    } else {
      // closing: the peer's further bytes are ignored, as ZooKeeper disables receive
      return false
    }
    if (!this.readingPaused && this.mustStop()) this.stopReading()
    return !this.readingPaused
  }

  // ---- flow control: bytes not yet sent, requests not yet answered ----

  /** Too much produced and unsent for this client, or too many requests outstanding (globalOutstandingLimit). */
  private mustStop (): boolean {
    return this.unwritten + this.socket.writableLength > HIGH_WATER || this.hub.outstanding.throttles(this.ownQueued)
  }

  /** Reading may start again: below half the high-water mark (no flapping) and not throttled. */
  private mayResume (): boolean {
    return this.unwritten + this.socket.writableLength <= HIGH_WATER / 2 && !this.hub.outstanding.throttles(this.ownQueued)
  }

  private stopReading (): void {
    this.readingPaused = true
    this.socket.pause()
  }

  /**
   * Resumes on a later turn, never inside writeFrame: that runs while a
   * request is being served (or the outbox releases), and serving the held
   * requests there would nest one request inside another.
   */
  private resumeSoon (): void {
    if (this.resumeScheduled || !this.mayResume()) return
    this.resumeScheduled = true
    setImmediate(() => {
      this.resumeScheduled = false
      if (!this.readingPaused || this.closing || !this.mayResume()) return
      this.readingPaused = false
      const held = this.held
      this.held = undefined
      if (held !== undefined) this.feed(held)
      if (!this.readingPaused && !this.closing) this.socket.resume()
    })
  }

  private fourLetterWord (word: string): void {
    this.hub.stats.packetsReceived++
    this.stats.packetsReceived++
    // debug, not info: health checks send ruok every few seconds
    this.hub.log.debug({ peer: this.remote }, `processing ${word} command`)
    this.state = 'closing'
    let answer: string
    try {
      answer = answerFourLetterWord(word, this.hub.fourLetter)
    } catch (err) {
      this.hub.log.error({ err, peer: this.remote }, `four-letter word ${word} failed`)
      this.destroy('four-letter word failed')
      return
    }
    // counted after the answer is composed, as ZooKeeper does: a `srvr`
    // does not count its own reply
    this.hub.stats.packetsSent++
    this.stats.packetsSent++
    this.socket.end(answer)
    this.socket.once('finish', () => this.socket.destroy())
  }

  private drained (): void {
    if (this.readingPaused) this.resumeSoon()
  }

  private closed (): void {
    this.state = 'closed'
    this.held = undefined
    // replies still queued for it are dropped by the outbox: no longer outstanding
    this.queued = 0
    // sessionless connections (four-letter words, probes) come and go unlogged
    if (this.sessionId !== 0) this.hub.log.info({ peer: this.remote, session: this.sessionHex() }, 'connection closed')
    if (this.sessionId !== 0 && this.hub.sessions.holder(this.sessionId) === this) {
      // the session lives on until it expires; its watches went with the connection
      this.hub.store.dropWatches(this.sessionId)
      this.hub.sessions.detach(this.sessionId, this)
    }
    this.hub.forget(this)
  }
}

function uncork (conn: Connection): void {
  conn.flush()
}

/** "::ffff:127.0.0.1" (IPv4 on a dual-stack socket) → "127.0.0.1", as Java reports it. */
function normalizeAddress (addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.substring(7) : addr
}
