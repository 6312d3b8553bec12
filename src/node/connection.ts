// One WebSocket of the API (docs/protocol.md): one sidecar-carried ZooKeeper
// client connection, hence at most one session. This file is its state
// machine, its handshake (CONNECT / RESUME) and its output; dispatch.ts turns
// REQUEST bodies into store calls.
//
// Output order is the protocol's main promise: REPLY messages in request
// order, and every event a call returned ahead of that call's reply. All
// output that depends on a Redis call goes through `order` (InOrder), and so
// does output that needs none (pings, auth), so it takes its place in line.

import { randomBytes } from 'node:crypto'
import { negotiateTimeout } from '../engine'
import { KeeperState } from '../engine/codes'
import type { Context, Id, SessionId } from '../engine/types'
import { decodeConnectRequest, encodeConnectResponse, encodeWatchEvent, JuteDecodeError, JuteReader } from '../protocol'
import type { ConnectRequest } from '../protocol'
import { authInfoOrder, type SaslExchange } from '../server/auth'
import { opLabel } from '../metrics/requests'
import { ConnectionStats, opName } from '../server/stats'
import type { QueuedEvent } from './backend'
import { handleRequest } from './dispatch'
import type { NodeHub } from './hub'
import {
  decodeClientMessage, encodeClose, encodeConnected, encodeEventMessage, encodeReplyMessage, encodeResumed,
  EXPIRED_MESSAGE, Msg, ProtocolError, RESUMED_IDENTITIES, type ClientMessage, type ClientOrigin
} from './messages'
import { InOrder } from './ordered'
import { normalizeAddress } from './routes'
import { isStoreRefusal } from './store-errors'
import { ReplicaAckError } from '../stores/redis/replica-wait'
import { holdUntilTurnEnd, socketOfWebSocket } from '../server/cork'

/** The part of a `ws` WebSocket the node uses (the package ships no types). */
export interface WebSocketLike {
  readonly readyState: number
  readonly bufferedAmount: number
  send(data: Buffer, cb?: (err?: Error) => void): void
  close(code?: number, reason?: string): void
  terminate(): void
  pause(): void
  resume(): void
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): unknown
  on(event: 'close', fn: () => void): unknown
  on(event: 'error', fn: (err: Error) => void): unknown
}

const WS_OPEN = 1
/** Above this many unsent bytes we stop reading the sidecar until it catches up. */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = HIGH_WATER / 2
/** The expired session's ConnectResponse: ZooKeeper's zero session and password. */
const NO_PASSWORD = Buffer.alloc(16)

type State =
  | 'new' // waiting for CONNECT or RESUME
  | 'handshake' // CONNECT / RESUME sent to Redis; later messages wait in `early`
  | 'open' // session attached, serving requests
  | 'closing' // decided to close: input is ignored, what is in line still leaves
  | 'closed' // the WebSocket is gone

export class NodeConnection {
  /** who holds the session in Redis: one random id per WebSocket */
  readonly owner = randomBytes(8).toString('hex')
  readonly stats = new ConnectionStats()
  sessionId: SessionId = 0
  timeout = 0
  /** requests received whose reply has not left yet (counted node-wide too: globalOutstandingLimit) */
  get queued (): number {
    return this.ownQueued
  }

  set queued (n: number) {
    this.hub.outstanding.count += n - this.ownQueued
    this.ownQueued = n
  }

  /** reused for every request body */
  readonly reader = new JuteReader(Buffer.alloc(0))
  /** identities for ACL checks; replaced, never mutated, so in-flight contexts keep theirs */
  auth: readonly Id[]
  /**
   * The identities gained on this connection (addAuth), in the order gained:
   * what is kept in Redis for `link` and restored on RESUME.
   */
  private gained: readonly Id[] = []
  /** the sidecar's name for this client connection (CONNECT / RESUME trailer); undefined from old sidecars */
  private link: Buffer | undefined
  /** which try of the link this connection is (origin "RKI2"); undefined from older sidecars */
  private attempt: number | undefined
  private clientAddress: string
  private clientPort: number
  /**
   * The zxid for replies the node answers itself (pings, auth, whoAmI,
   * MARSHALLINGERROR): the newest this connection has had from Redis.
   * ZooKeeper clients remember a reply's zxid and later re-arm their watches
   * "since" it, so it must never run ahead of the events this connection has
   * been sent: every store call returns the caller's events up to its zxid,
   * which makes that zxid safe, and nothing newer is. 0 (which clients
   * ignore) until then.
   */
  zxid = 0

  private state: State = 'new'
  /** messages that arrived while the handshake was in Redis */
  private early: ClientMessage[] = []
  private readonly order: InOrder
  /** last event seq sent to the sidecar */
  private deliveredSeq = 0
  /** the sidecar's ack: events up to it may be forgotten in Redis */
  private ackSeq = 0
  /** the highest ack a call has carried to Redis */
  private ackSent = 0
  private polling = false
  private closeQueued = false
  /** after RESUME: polls wait until the sidecar's replays are in line (see holdPollsAfterResume) */
  private pollsHeld = false
  private pollOwed = false
  private holdTimer: NodeJS.Timeout | undefined
  private repoll = false
  /** the WebSocket is paused: too many unsent bytes, or too many requests outstanding */
  private paused = false
  private ownQueued = 0
  /**
   * Messages that arrived while paused: \`ws\` emits every message of a chunk
   * already read even after pause(), and each REQUEST would be a Redis call
   * whose reply this node then holds. They wait here (at most one socket
   * read's worth) and are served, in order, once reading resumes.
   */
  private held: Array<{ data: Buffer, isBinary: boolean }> = []
  private resumeScheduled = false
  private readonly onSent = (): void => {
    if (this.paused) this.resumeSoon()
  }

  constructor (private readonly hub: NodeHub, private readonly ws: WebSocketLike, private readonly peerAddress: string, peerPort: number) {
    this.clientAddress = peerAddress
    this.clientPort = peerPort
    this.auth = [{ scheme: 'ip', id: peerAddress }]
    this.order = new InOrder((err) => this.crashed(err))
    ws.on('message', (data, isBinary) => {
      if (this.paused && this.state === 'open') {
        this.held.push({ data, isBinary })
        return
      }
      this.receive(data, isBinary)
    })
    ws.on('close', () => this.closed())
    ws.on('error', (err) => hub.log.debug({ err, peer: this.remote }, 'websocket error'))
  }

  /** the ZooKeeper client's IP: the peer's, or the one a trusted peer named (ip identity, ip addauth) */
  get address (): string {
    return this.clientAddress
  }

  /** the client as ZooKeeper prints it: "/127.0.0.1:52110" */
  get remote (): string {
    return `/${this.clientAddress}:${this.clientPort}`
  }

  get isOpen (): boolean {
    return this.state === 'open'
  }

  /** true once the connection is going away */
  get closing (): boolean {
    return this.state === 'closing' || this.state === 'closed'
  }

  /** 1 while reading, 0 while paused (ZooKeeper's `cons` shows interest ops) */
  get interestOps (): number {
    return this.paused || this.closing ? 0 : 1
  }

  sessionHex (): string {
    return `0x${this.sessionId.toString(16)}`
  }

  context (now: number): Context {
    return { session: this.sessionId, now, auth: this.auth as Id[], maxWatches: this.hub.limits.maxWatches }
  }

  /** this connection's SASL exchange, made at its first SASL packet */
  sasl: SaslExchange | undefined

  /**
   * An identity proven on this connection. It takes effect at once; with a
   * link it is also kept in Redis (in line: the reply to the auth packet
   * leaves only once it is kept), so that it survives the loss of this node
   * when the sidecar RESUMEs the same client connection elsewhere.
   */
  addAuth (id: Id): void {
    for (const a of this.auth) if (a.scheme === id.scheme && a.id === id.id) return
    // ZooKeeper's identity set hands ids out in hash order (whoAmI, auth ACLs)
    this.auth = authInfoOrder([...this.auth, id])
    this.gained = [...this.gained, id]
    this.keepIdentities()
  }

  /** Writes `gained` for this link (replacing what another link of the session had kept). */
  private keepIdentities (): void {
    if (this.link === undefined || this.sessionId === 0) return
    this.inLine(this.hub.backend.saveIdentities(this.sessionId, this.owner, this.link, this.gained), (saved) => {
      // Not saved: the session moved to another connection, which closes this one.
      if (!saved) this.hub.log.debug({ peer: this.remote, session: this.sessionHex() }, 'identities not kept: the session is held elsewhere')
    }, () => { /* logged by inLine; the identities hold on this node only */ })
  }

  /** The sidecar's latest ack (from REQUEST). */
  ack (seq: number): void {
    if (seq > this.ackSeq) this.ackSeq = seq
  }

  /** The last event seq sent: each call passes it so Redis returns only newer events. */
  get delivered (): number {
    return this.deliveredSeq
  }

  /** The sidecar's latest ack: each call passes it so Redis can forget what was delivered. */
  get acked (): number {
    return this.ackSeq
  }

  /**
   * The ack for the next call: the sidecar's latest if no call carried it
   * yet, else 0 ("nothing new"), which spares Redis a ZREMRANGEBYSCORE on
   * every request (acks move only when events come). A call that fails
   * leaves its ack unapplied; the events wait for the next one, and are
   * never sent twice, as deliveredSeq filters them.
   */
  nextAck (): number {
    if (this.ackSeq <= this.ackSent) return 0
    this.ackSent = this.ackSeq
    return this.ackSeq
  }

  // ---- output in request order ----

  /**
   * A store call whose result leaves in line. `onValue` runs after every
   * earlier call's output. Redis answering with an error goes to
   * `onRefused` (if given); no answer at all drops the WebSocket
   * (storeUnreachable).
   */
  inLine<T> (p: Promise<T>, onValue: (v: T) => void, onRefused?: (err: unknown) => void, xid?: number, type?: number): void {
    this.order.add(p, (v) => {
      if (this.state !== 'closed') onValue(v)
    }, (err) => {
      if (this.state === 'closed') return
      if (err instanceof ReplicaAckError) {
        this.unconfirmed(err, xid, type)
        return
      }
      if (onRefused !== undefined && isStoreRefusal(err)) {
        this.hub.log.error({ err, peer: this.remote, session: this.sessionHex(), xid, op: type === undefined ? undefined : opLabel(type) }, 'the store refused a request')
        onRefused(err)
        return
      }
      this.storeUnreachable(err)
    })
  }

  /** Output that needs no store call, in line behind everything issued before. */
  afterPrevious (fn: () => void): void {
    this.order.then(() => {
      if (this.state !== 'closed') fn()
    })
  }

  /** Sends EVENTs the sidecar has not seen yet, in seq order. */
  deliver (events: readonly QueuedEvent[]): void {
    for (const ev of events) {
      if (ev.seq <= this.deliveredSeq) continue
      this.deliveredSeq = ev.seq
      this.send(encodeEventMessage(ev.seq, encodeWatchEvent(undefined, ev.type, KeeperState.SyncConnected, ev.path)))
      this.hub.stats.packetsSent++
      this.hub.stats.watchEventsSent++
      this.stats.packetsSent++
    }
  }

  /** A REPLY (ZooKeeper reply frame), counted as ZooKeeper counts responses; `t0`: arrival on performance.now()'s clock. */
  sendReply (frame: Buffer, xid: number, zxid: number, type: number, err: number, start: number, t0: number): void {
    this.send(encodeReplyMessage(frame))
    this.hub.stats.packetsSent++
    this.stats.packetsSent++
    this.queued--
    if (this.paused) this.resumeSoon()
    const end = Date.now()
    this.hub.stats.replied(type, err, start, end, t0)
    this.stats.response(xid, zxid, opName(type), start, end)
  }

  /** New events for this session are queued in Redis (a notice): fetch them in line. */
  poll (): void {
    if (this.state !== 'open') return
    if (this.pollsHeld) {
      this.pollOwed = true
      return
    }
    if (this.polling) {
      // The poll in flight may have run in Redis before those events were
      // queued: one more after it, however many notices come meanwhile.
      this.repoll = true
      return
    }
    this.polling = true
    this.inLine(this.hub.backend.pollEvents(this.sessionId, this.deliveredSeq, this.nextAck()), (events) => {
      this.polling = false
      this.deliver(events)
      if (this.repoll) {
        this.repoll = false
        this.poll()
      }
    })
  }

  /**
   * The sidecar's replays are in line (its first ping after RESUMED comes
   * after them, or half a tick has passed): polls may run again.
   */
  releasePolls (): void {
    if (!this.pollsHeld) return
    this.pollsHeld = false
    clearTimeout(this.holdTimer)
    this.holdTimer = undefined
    if (this.pollOwed) {
      this.pollOwed = false
      this.poll()
    }
  }

  // ---- closing ----

  /** Ignore further input (the connection is going away); what is in line still leaves. */
  stopReading (): void {
    if (this.closing) return
    this.state = 'closing'
    this.unregister()
  }

  /**
   * CLOSE once everything in line has left, then close the WebSocket. The
   * sidecar then closes the ZooKeeper client's connection.
   */
  closeAfter (reason: string): void {
    if (this.closeQueued || this.state === 'closed') return
    this.closeQueued = true
    this.hub.log.debug({ peer: this.remote, session: this.sessionHex() }, `closing: ${reason}`)
    this.stopReading()
    this.afterPrevious(() => {
      this.send(encodeClose(reason))
      this.closeSocket(1000)
    })
  }

  /**
   * Leave without a word once what is in line has left (node shutdown): the
   * sidecar takes it as a lost node and RESUMEs elsewhere; the session stays.
   */
  leave (): void {
    if (this.closeQueued || this.state === 'closed') return
    this.closeQueued = true
    this.stopReading()
    this.afterPrevious(() => this.closeSocket(1001, 'node shutting down'))
  }

  /** Drop the WebSocket at once: the sidecar RESUMEs elsewhere. */
  terminate (why: string): void {
    if (this.state === 'closed') return
    this.hub.log.debug({ peer: this.remote, session: this.sessionHex() }, `dropping websocket: ${why}`)
    this.closeQueued = true
    this.stopReading()
    this.ws.terminate()
  }

  /** A protocol violation: say why (CLOSE) and end, as ZooKeeper drops a misbehaving client. */
  protocolError (why: string): void {
    this.hub.log.warn({ peer: this.remote, session: this.sessionHex() }, `closing connection: ${why}`)
    this.closeAfter(`protocol error: ${why}`)
  }

  /**
   * Redis did not answer (connection lost, timeout): the outcome of the
   * call is unknown, so no reply can be given. Dropping the WebSocket makes
   * the sidecar RESUME through another node and re-send what is unanswered;
   * recorded results keep that from applying anything twice.
   */
  private storeUnreachable (err: unknown): void {
    this.hub.log.warn({ err, peer: this.remote, session: this.sessionHex() }, 'store call failed; dropping the websocket so the sidecar resumes elsewhere')
    this.terminate('store unreachable')
  }

  /**
   * A change ran in Redis but its replicas did not confirm it in time
   * (--redis-wait-replicas): it may or may not survive a failover, so
   * neither OK nor an error code would be true. The client's connection is
   * closed at once, before anything queued behind it: the client sees
   * CONNECTIONLOSS, ZooKeeper's "outcome unknown", reconnects with its
   * session and can read what happened. (Dropping the WebSocket instead
   * would make the sidecar re-send the write elsewhere, to wait again.)
   */
  private unconfirmed (err: ReplicaAckError, xid?: number, type?: number): void {
    this.hub.log.warn({ peer: this.remote, session: this.sessionHex(), xid, op: type === undefined ? undefined : opLabel(type), acked: err.acked, wanted: err.wanted }, `closing the client connection: a change was not confirmed by the Redis replicas (${err.message})`)
    this.closeQueued = true
    this.stopReading()
    this.send(encodeClose(`change not confirmed by the Redis replicas, outcome unknown: ${err.message}`))
    // nothing queued behind it may leave after this: send() needs an open socket
    this.closeSocket(1000)
  }

  private crashed (err: unknown): void {
    // A bug of ours must cost one connection, not the node.
    this.hub.log.error({ err, peer: this.remote, session: this.sessionHex() }, 'unexpected error while serving a connection')
    this.terminate('internal error')
  }

  // ---- input ----

  private receive (data: Buffer, isBinary: boolean): void {
    try {
      this.message(data, isBinary)
    } catch (err) {
      this.crashed(err)
    }
  }

  private message (data: Buffer, isBinary: boolean): void {
    if (this.closing) return // as ZooKeeper disables receive once it decided to close
    if (!isBinary) {
      this.protocolError('text message (every message is binary)')
      return
    }
    let msg: ClientMessage
    try {
      msg = decodeClientMessage(data)
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      this.protocolError(err.message)
      return
    }
    if ((msg.type === Msg.REQUEST || msg.type === Msg.CONNECT) && msg.body.length > this.hub.limits.maxBuffer) {
      this.protocolError(`a request of ${msg.body.length} bytes is over jute.maxbuffer (${this.hub.limits.maxBuffer})`)
      return
    }
    if (this.state === 'handshake') {
      this.early.push(msg)
      return
    }
    this.handle(msg)
  }

  private handle (msg: ClientMessage): void {
    if (this.state === 'open') this.hub.heartbeats.beat(this.sessionId)
    switch (msg.type) {
      case Msg.CONNECT:
      case Msg.RESUME:
        if (this.state !== 'new') {
          this.protocolError('a second CONNECT or RESUME on one connection')
          return
        }
        this.state = 'handshake'
        this.adopt(msg.origin)
        this.handshake(msg).catch((err: unknown) => {
          if (this.state === 'handshake' && err instanceof ReplicaAckError) this.unconfirmed(err)
          else if (this.state === 'handshake') this.storeUnreachable(err)
          else this.crashed(err)
        })
        return
      case Msg.REQUEST:
        if (this.state !== 'open') {
          this.protocolError('REQUEST before CONNECT or RESUME')
          return
        }
        this.stats.packetsReceived++
        this.hub.stats.packetsReceived++
        this.ack(msg.ackSeq)
        handleRequest(this.hub, this, msg.body)
        if (!this.paused && this.mustStop()) this.pauseReading()
        return
      case Msg.DETACH:
        this.detach()
    }
  }

  /** The ZooKeeper client's TCP closed without closeSession: its watches go, its session stays. */
  private detach (): void {
    const attached = this.state === 'open'
    this.closeQueued = true
    this.stopReading()
    if (!attached) {
      this.closeSocket(1000)
      return
    }
    this.order.add(this.hub.backend.detach(this.sessionId, this.owner), () => this.closeSocket(1000), (err) => {
      this.hub.log.warn({ err, peer: this.remote, session: this.sessionHex() }, 'detach failed; the session keeps its watches until it expires')
      this.closeSocket(1000)
    })
  }

  /**
   * The client origin: the link always (it only scopes identities, and
   * naming another's gains nothing without its session's password); the
   * address only from a trusted peer, else the peer is the client.
   */
  private adopt (origin: ClientOrigin | undefined): void {
    if (origin === undefined) return
    this.link = Buffer.from(origin.link)
    this.attempt = origin.attempt
    const address = normalizeAddress(origin.address)
    if (address === this.clientAddress && origin.port === this.clientPort) return
    if (!this.hub.trust.trusts(this.peerAddress)) {
      this.hub.log.debug({ peer: this.remote, claimed: address, trusted: this.hub.trust.spec }, 'ignoring the client address named by an untrusted peer')
      return
    }
    this.clientAddress = address
    this.clientPort = origin.port
    this.auth = [{ scheme: 'ip', id: address }]
  }

  private async handshake (msg: ClientMessage): Promise<void> {
    if (msg.type === Msg.CONNECT) await this.connect(msg.body)
    else if (msg.type === Msg.RESUME) await this.resume(msg.sessionId, msg.passwd, msg.deliveredSeq)
  }

  /** CONNECT: ZooKeeperServer.processConnectRequest over Redis. */
  private async connect (body: Buffer): Promise<void> {
    const start = Date.now()
    let req: ConnectRequest
    try {
      req = decodeConnectRequest(body)
    } catch (err) {
      if (!(err instanceof JuteDecodeError)) throw err
      this.protocolError(`malformed ConnectRequest (${err.message})`)
      return
    }
    const { backend, limits, log } = this.hub
    // A new session's client that has seen nothing (lastZxidSeen 0) cannot
    // be ahead of the store: no round trip for the check. Resumes need the
    // zxid all the same (it becomes the connection's last zxid).
    const zxid = req.sessionId === 0 && req.lastZxidSeen <= 0 ? 0 : await backend.getZxid()
    if (this.state !== 'handshake') return
    if (req.lastZxidSeen > zxid) {
      // The client has seen a newer state than the store holds (its data was
      // lost): it must not be served from the past. ZooKeeper closes without
      // a ConnectResponse.
      log.info({ peer: this.remote }, `refusing session request: client has seen zxid 0x${req.lastZxidSeen.toString(16)}, our last zxid is 0x${zxid.toString(16)}`)
      this.hub.stats.handshakes.refused++
      this.closeAfter('client has seen a newer zxid than the store holds')
      return
    }

    if (req.sessionId === 0) {
      const timeout = negotiateTimeout(req.timeOut, limits.minSessionTimeout, limits.maxSessionTimeout)
      const passwd = randomBytes(16)
      const { id, outcome } = await backend.createSession(timeout, passwd.toString('hex'), start, this.owner)
      // Socket gone meanwhile: the session was made and simply expires.
      if (this.state !== 'handshake') return
      this.attach(id, timeout, 0)
      this.hub.stats.handshakes.created++
      this.zxid = outcome.zxid
      log.info({ peer: this.remote, session: this.sessionHex(), timeout }, 'session established')
      this.connected(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: timeout, sessionId: id, passwd, readOnly: false }, req.hasReadOnly), outcome.zxid, start)
      // This link's (empty) identities are kept from the start, so a RESUME
      // can tell "none" from "never kept here" (then auth packets are re-sent).
      this.keepIdentities()
      this.open()
      return
    }

    const id = req.sessionId
    const { ok, timeout, superseded } = await backend.attachSession(id, req.passwd.toString('hex'), start, this.owner, true, this.attachAttempt())
    if (this.state !== 'handshake') return
    if (superseded === true) {
      this.superseded(id)
      return
    }
    if (!ok) {
      // Expired, unknown, or the wrong password: ZooKeeper answers with a zero
      // session, which the client reports as "session expired", then closes.
      this.hub.stats.handshakes.expired++
      log.info({ peer: this.remote, session: `0x${id.toString(16)}` }, 'invalid session, probably expired')
      this.send(encodeConnected(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: 0, sessionId: 0, passwd: NO_PASSWORD, readOnly: false }, req.hasReadOnly)))
      this.closeAfter('session expired')
      return
    }
    // dropWatches: the previous connection's watches, undelivered events and
    // recorded results went with it, as ZooKeeper loses them with the socket
    // (the client's setWatches re-fires what changed).
    this.attach(id, timeout, 0)
    this.hub.stats.handshakes.resumed++
    // No watches, no queued events since the attach: the zxid read before it is safe.
    this.zxid = zxid
    log.info({ peer: this.remote, session: this.sessionHex(), timeout }, 'session resumed')
    this.connected(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: timeout, sessionId: id, passwd: req.passwd, readOnly: false }, req.hasReadOnly), zxid, start)
    // A new connection starts with no identities, as in ZooKeeper: this
    // replaces those the previous connection of the session had kept.
    this.keepIdentities()
    this.open()
  }

  /** RESUME: the same client connection, back after losing its node. Watches and queued events stay. */
  private async resume (id: SessionId, passwd: Buffer, deliveredSeq: number): Promise<void> {
    if (id < 0) {
      this.expired()
      return
    }
    const { backend } = this.hub
    // One round trip: the restore runs right after the attach and finds the
    // identities only if that attach (password checked) made us the owner.
    const [{ ok, timeout, superseded }, kept] = await Promise.all([
      backend.attachSession(id, passwd.toString('hex'), Date.now(), this.owner, false, this.attachAttempt()),
      this.link === undefined ? undefined : backend.restoreIdentities(id, this.owner, this.link)
    ])
    if (this.state !== 'handshake') return
    if (superseded === true) {
      this.superseded(id)
      return
    }
    if (!ok) {
      this.hub.stats.handshakes.expired++
      this.hub.log.info({ peer: this.remote, session: `0x${id.toString(16)}` }, 'resume refused: session expired')
      this.expired()
      return
    }
    this.attach(id, timeout, deliveredSeq)
    this.hub.stats.handshakes.reattached++
    if (kept !== undefined) {
      this.gained = kept
      this.auth = authInfoOrder(distinct([...this.auth, ...kept]))
    }
    this.hub.log.info({ peer: this.remote, session: this.sessionHex(), timeout, deliveredSeq, identities: kept?.length }, 'session re-attached')
    // Without kept identities (an old sidecar, or the session's identities
    // were kept by no node for this link) the sidecar re-sends its auth packets.
    this.send(encodeResumed(timeout, kept === undefined ? 0 : RESUMED_IDENTITIES))
    this.holdPollsAfterResume()
    this.open()
  }

  /**
   * Events queued while no node served this connection (the old node died
   * between queueing and sending) must still come, and an idle client sends
   * only pings, which never reach Redis: so one poll is owed. But not at
   * once: after RESUMED the sidecar re-sends its unanswered requests, and an
   * event queued after one of them ran on the dead node must come after its
   * (replayed) reply, as it would have. Polls (this one and those of
   * notices) therefore wait until the replays are in line: the sidecar's
   * first ping comes after them; half a tick is the backstop.
   */
  private holdPollsAfterResume (): void {
    this.pollsHeld = true
    this.pollOwed = true
    this.holdTimer = setTimeout(() => this.releasePolls(), this.hub.resumeHoldMs)
  }

  /** The link and try this handshake is, for the attach's fencing; undefined from older sidecars. */
  private attachAttempt (): { link: string, attempt: number } | undefined {
    if (this.link === undefined || this.attempt === undefined) return undefined
    return { link: this.link.toString('hex'), attempt: this.attempt }
  }

  /**
   * A later try of this link already holds the session: the sidecar gave
   * this one up (it only listens to its newest WebSocket), so nothing is
   * attached and the WebSocket just closes.
   */
  private superseded (id: SessionId): void {
    this.hub.log.info({ peer: this.remote, session: `0x${id.toString(16)}`, attempt: this.attempt }, 'handshake superseded by a later attempt of the same client connection')
    this.closeAfter('superseded by a later attempt of the same client connection')
  }

  private expired (): void {
    this.closeQueued = true
    this.stopReading()
    this.send(EXPIRED_MESSAGE)
    this.closeSocket(1000)
  }

  private attach (id: SessionId, timeout: number, deliveredSeq: number): void {
    this.sessionId = id
    this.timeout = timeout
    this.deliveredSeq = deliveredSeq
    const previous = this.hub.sessions.attach(id, this)
    // One connection per session, as ZooKeeper: the one it moved from ends.
    if (previous !== undefined) previous.closeAfter('session moved to another connection')
  }

  private connected (frame: Buffer, zxid: number, start: number): void {
    this.send(encodeConnected(frame))
    this.hub.stats.packetsSent++
    this.stats.packetsSent++
    this.stats.response(0, zxid, 'SESS', start, Date.now())
  }

  /** Serve what queued up during the handshake, in arrival order. */
  private open (): void {
    this.state = 'open'
    const early = this.early
    this.early = []
    for (const m of early) {
      if (this.state !== 'open') break
      this.handle(m)
    }
  }

  private send (msg: Buffer): void {
    if (this.ws.readyState !== WS_OPEN) return
    // the replies and events of one turn leave in one write
    const socket = socketOfWebSocket(this.ws)
    if (socket !== undefined) holdUntilTurnEnd(socket)
    this.ws.send(msg, this.onSent)
    if (!this.paused && this.ws.bufferedAmount > HIGH_WATER) this.pauseReading()
  }

  // ---- flow control: bytes not yet sent, requests not yet answered ----

  /** Too many unsent bytes for the sidecar, or too many requests outstanding (globalOutstandingLimit). */
  private mustStop (): boolean {
    return this.ws.bufferedAmount > HIGH_WATER || this.hub.outstanding.throttles(this.ownQueued)
  }

  /** Below half the high-water mark (no flapping) and not throttled. */
  private mayResume (): boolean {
    return this.ws.bufferedAmount <= LOW_WATER && !this.hub.outstanding.throttles(this.ownQueued)
  }

  private pauseReading (): void {
    this.paused = true
    this.ws.pause()
  }

  /**
   * On a later turn, never inside sendReply (it runs in the middle of the
   * ordered output): the held messages are served first, in order, and the
   * socket is read again only if they did not stop it once more.
   */
  private resumeSoon (): void {
    if (this.resumeScheduled || !this.mayResume()) return
    this.resumeScheduled = true
    setImmediate(() => {
      this.resumeScheduled = false
      if (!this.paused || this.closing || !this.mayResume()) return
      this.paused = false
      while (this.held.length > 0 && !this.paused && !this.closing) {
        const m = this.held.shift() as { data: Buffer, isBinary: boolean }
        this.receive(m.data, m.isBinary)
      }
      if (!this.paused) this.ws.resume()
    })
  }

  /**
   * The WebSocket closing handshake needs the peer's close frame read, so a
   * socket paused for backpressure reads again (input is ignored by now).
   */
  private closeSocket (code: number, reason?: string): void {
    if (this.paused) {
      this.paused = false
      this.ws.resume()
    }
    this.ws.close(code, reason)
  }

  private unregister (): void {
    if (this.sessionId !== 0) this.hub.sessions.detach(this.sessionId, this)
  }

  private closed (): void {
    this.state = 'closed'
    this.held = []
    // replies still in line for it are dropped with the order: no longer outstanding
    this.queued = 0
    // the sidecar's link for one client connection: logged when it served a session
    if (this.sessionId !== 0) this.hub.log.info({ peer: this.remote, session: this.sessionHex() }, 'connection closed')
    clearTimeout(this.holdTimer)
    this.early = []
    this.order.drop()
    // No DETACH: the sidecar lost us and will RESUME elsewhere, so the
    // session and its watches stay as they are in Redis.
    this.unregister()
    this.hub.forget(this)
  }
}

/** `ids` without repeats, first occurrence kept. */
function distinct (ids: readonly Id[]): Id[] {
  const out: Id[] = []
  for (const id of ids) if (!out.some((o) => o.scheme === id.scheme && o.id === id.id)) out.push(id)
  return out
}
