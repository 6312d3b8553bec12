// Test scaffolding: a small service node that speaks docs/protocol.md over a
// real WebSocket server (`ws`), backed by the real engine over an in-process
// store shared by every fake node of a FakeCluster (what Redis is to real
// nodes). It exists to drive the sidecar through protocol edge cases a real
// node cannot be made to hit on cue (the WebSocket dropped after a request
// ran but before its reply left, a node that never answers, ...). The
// distributed suites run the sidecar against real `redkeeper node`s.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomBytes } from 'node:crypto'
import {
  checkSession, closeSession, createSession, execute, expireSessions, initTree, negotiateTimeout,
  Err, KeeperState, OpCode, Xid, type Id, type Outcome, type WatchEvent
} from '../../src/engine'
import {
  JuteReader, UnknownOpcodeError, decodeConnectRequest, decodeRequest, decodeRequestHeader,
  encodeConnectResponse, encodePing, encodeReply, encodeWatchEvent
} from '../../src/protocol'
import { authenticate } from '../../src/server/auth'
import { decodeClientMessage, Msg, type ClientOrigin } from '../../src/node/messages'
import { MemoryStorage } from '../engine/memory-storage'

// ---- the `ws` server, typed by what this file uses (no @types/ws here) ----

interface WsConn {
  readonly readyState: number
  send(data: Buffer): void
  close(code?: number): void
  terminate(): void
  /** stop reading the socket: no messages, no automatic pongs */
  pause(): void
  on(event: 'message', l: (data: Buffer, isBinary: boolean) => void): this
  on(event: 'close', l: () => void): this
  on(event: 'error', l: (err: Error) => void): this
}
interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsConn) => void): void
  close(): void
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WebSocketServer } = require('ws') as { WebSocketServer: new (opts: { noServer: true, perMessageDeflate: boolean }) => WsServer }

// ---- message bytes (docs/protocol.md) ----

export const T = {
  CONNECT: 0x01, RESUME: 0x02, REQUEST: 0x03, DETACH: 0x04,
  CONNECTED: 0x81, RESUMED: 0x82, REPLY: 0x83, EVENT: 0x84, CLOSE: 0x85, EXPIRED: 0x86
} as const

const TWO_32 = 0x1_0000_0000
const readI64 = (b: Buffer, o: number): number => b.readInt32BE(o) * TWO_32 + b.readUInt32BE(o + 4)
function withType (type: number, frame: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), frame])
}
function eventMsg (seq: number, frame: Buffer): Buffer {
  const head = Buffer.alloc(9)
  head[0] = T.EVENT
  head.writeUInt32BE(Math.floor(seq / TWO_32), 1)
  head.writeUInt32BE(seq % TWO_32, 5)
  return Buffer.concat([head, frame])
}

/** What a fake node received, in order: the tests assert on it. */
export type Received =
  | { type: 'CONNECT', sessionId: number, origin?: ClientOrigin }
  | { type: 'RESUME', sessionId: number, passwd: Buffer, deliveredSeq: number, origin?: ClientOrigin }
  | { type: 'REQUEST', ackSeq: number, xid: number, op: number }
  | { type: 'DETACH' }

/** A hook's verdict on a request: run it normally, or die (every socket dropped) before or after running it. */
export type Fate = 'run' | 'die-before' | 'die-after' | 'hang'

const READS = new Set<number>([
  OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2, OpCode.getACL, OpCode.sync,
  OpCode.getAllChildrenNumber, OpCode.getEphemerals, OpCode.multiRead
])

// ---- shared state: what Redis holds for real nodes ----

interface Queued { seq: number, frame: Buffer }

export class FakeCluster {
  readonly store = new MemoryStorage()
  /** recorded replies by `${session}:${xid}`, so a re-sent request is not applied twice */
  readonly results = new Map<string, Buffer>()
  readonly queues = new Map<number, Queued[]>()
  readonly seqs = new Map<number, number>()
  readonly holders = new Map<number, FakeConn>()
  /** identities kept per client origin link (hex), as real nodes keep them in Redis; used by nodes with keepsIdentities */
  readonly identities = new Map<string, Id[]>()
  private nextId = 0x1000
  private readonly timer: NodeJS.Timeout

  constructor (readonly minTimeout = 1000, readonly maxTimeout = 60000) {
    initTree(this.store, Buffer.alloc(0))
    this.timer = setInterval(() => this.expire(Date.now()), 50)
    this.timer.unref()
  }

  newSessionId (): number { return ++this.nextId }

  touch (session: number, now: number): void {
    const s = this.store.getSession(session)
    if (s !== undefined) this.store.deadlines.set(session, now + s.timeout)
  }

  /** Queue events (with their seq) and push them to the connections holding their sessions. */
  deliver (events: readonly WatchEvent[], except?: FakeConn): void {
    const touched = new Set<number>()
    for (const ev of events) {
      const seq = (this.seqs.get(ev.session) ?? 0) + 1
      this.seqs.set(ev.session, seq)
      let q = this.queues.get(ev.session)
      if (q === undefined) this.queues.set(ev.session, (q = []))
      q.push({ seq, frame: encodeWatchEvent(undefined, ev.type, KeeperState.SyncConnected, ev.path) })
      touched.add(ev.session)
    }
    for (const s of touched) {
      const holder = this.holders.get(s)
      if (holder !== undefined && holder !== except) holder.flushEvents()
    }
  }

  ack (session: number, ackSeq: number): void {
    const q = this.queues.get(session)
    if (q === undefined) return
    while (q.length > 0 && q[0].seq <= ackSeq) q.shift()
  }

  expire (now: number): void {
    const out = expireSessions(this.store, now)
    this.deliver(out.events)
    for (const id of out.expired) {
      this.queues.delete(id)
      const holder = this.holders.get(id)
      this.holders.delete(id)
      holder?.closeWith('session expired')
    }
  }

  close (): void { clearInterval(this.timer) }
}

// ---- one node ----

export class FakeNode {
  readonly received: Received[] = []
  /** decides each REQUEST's fate (default: run) */
  fate: (r: { xid: number, op: number, n: number }) => Fate = () => 'run'
  /** take RESUME and never answer it, nor anything else on that WebSocket */
  hangOnResume = false
  /** act as a node that keeps identities per link: RESUMED with flag 0x01 when it has them (else as an older node: no flags byte) */
  keepsIdentities = false
  private requests = 0
  private readonly conns = new Set<FakeConn>()
  private readonly sockets = new Set<Duplex>()
  private http: Server | undefined
  private wss: WsServer | undefined
  port = 0

  constructor (readonly cluster: FakeCluster) {}

  get url (): string { return `ws://127.0.0.1:${this.port}` }
  get alive (): boolean { return this.http !== undefined }

  /** Listens (on `port`, or the previous one, or a free one). */
  async start (port = this.port): Promise<this> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
    const http = createServer((req, res) => this.httpRequest(req, res))
    http.on('connection', (s: Duplex) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url !== '/v1/zk') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n')
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const c = new FakeConn(this, ws)
        this.conns.add(c)
        ws.on('close', () => { this.conns.delete(c); c.gone() })
      })
    })
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(port, '127.0.0.1', () => resolve())
    })
    const a = http.address()
    this.port = typeof a === 'object' && a !== null ? a.port : 0
    this.http = http
    this.wss = wss
    return this
  }

  /** As kill -9 does to a process: every socket dropped at once, nothing flushed, the port closed. */
  kill (): void {
    const http = this.http
    if (http === undefined) return
    this.http = undefined
    for (const c of this.conns) c.ws.terminate()
    for (const s of this.sockets) s.destroy()
    this.conns.clear()
    this.wss?.close()
    http.close()
  }

  countRequest (): number { return ++this.requests }

  connections (): number { return this.conns.size }

  private httpRequest (req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/v1\/fourletter\/([a-z]{4})$/.exec(req.url ?? '')
    if (m === null) {
      res.writeHead(404).end('not found\n')
      return
    }
    const word = m[1]
    res.writeHead(200, { 'content-type': 'text/plain' }).end(word === 'ruok' ? 'imok' : `fake ${word} from ${this.port}\n`)
  }
}

export class FakeConn {
  session = 0
  timeout = 0
  sentSeq = 0
  readonly auth: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }]
  private link: string | undefined
  private hung = false

  constructor (private readonly node: FakeNode, readonly ws: WsConn) {
    ws.on('message', (data, isBinary) => {
      // A killed node runs nothing more, even what was already read.
      if (!isBinary || this.hung || !node.alive) return
      this.message(data)
    })
    ws.on('error', () => {})
  }

  private get cluster (): FakeCluster { return this.node.cluster }

  private send (msg: Buffer): void {
    if (this.ws.readyState === 1) this.ws.send(msg)
  }

  closeWith (reason: string): void {
    this.send(withType(T.CLOSE, Buffer.from(reason)))
    this.ws.close(1000)
  }

  gone (): void {
    if (this.session !== 0 && this.cluster.holders.get(this.session) === this) this.cluster.holders.delete(this.session)
  }

  flushEvents (): void {
    for (const e of this.cluster.queues.get(this.session) ?? []) {
      if (e.seq <= this.sentSeq) continue
      this.send(eventMsg(e.seq, e.frame))
      this.sentSeq = e.seq
    }
  }

  private hold (): void {
    const prev = this.cluster.holders.get(this.session)
    if (prev !== undefined && prev !== this) prev.closeWith('session moved to another connection')
    this.cluster.holders.set(this.session, this)
  }

  private message (data: Buffer): void {
    const now = Date.now()
    const { store } = this.cluster
    switch (data[0]) {
      case T.CONNECT: {
        const msg = decodeClientMessage(data)
        const origin = msg.type === Msg.CONNECT ? msg.origin : undefined
        const req = decodeConnectRequest(msg.type === Msg.CONNECT ? msg.body : data.subarray(1))
        this.node.received.push(origin === undefined ? { type: 'CONNECT', sessionId: req.sessionId } : { type: 'CONNECT', sessionId: req.sessionId, origin })
        this.link = origin?.link.toString('hex')
        if (this.link !== undefined) this.cluster.identities.set(this.link, [])
        if (req.sessionId === 0) {
          const timeout = negotiateTimeout(req.timeOut, this.cluster.minTimeout, this.cluster.maxTimeout)
          const id = this.cluster.newSessionId()
          const passwd = randomBytes(16)
          createSession(store, now, id, timeout, passwd.toString('hex'))
          this.session = id
          this.timeout = timeout
          this.cluster.touch(id, now)
          this.hold()
          this.send(withType(T.CONNECTED, encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: timeout, sessionId: id, passwd, readOnly: false }, req.hasReadOnly)))
        } else if (!checkSession(store, req.sessionId, req.passwd.toString('hex'))) {
          this.send(withType(T.CONNECTED, encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: 0, sessionId: 0, passwd: Buffer.alloc(16), readOnly: false }, req.hasReadOnly)))
          this.closeWith('session expired')
        } else {
          this.session = req.sessionId
          this.timeout = store.getSession(req.sessionId)?.timeout ?? 0
          store.dropWatches(this.session)
          this.cluster.queues.delete(this.session)
          this.sentSeq = this.cluster.seqs.get(this.session) ?? 0
          this.cluster.touch(this.session, now)
          this.hold()
          this.send(withType(T.CONNECTED, encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: this.timeout, sessionId: this.session, passwd: req.passwd, readOnly: false }, req.hasReadOnly)))
        }
        return
      }
      case T.RESUME: {
        const sessionId = readI64(data, 1)
        const passwd = Buffer.from(data.subarray(9, 25))
        const deliveredSeq = readI64(data, 25)
        const msg = decodeClientMessage(data)
        const origin = msg.type === Msg.RESUME ? msg.origin : undefined
        this.node.received.push(origin === undefined ? { type: 'RESUME', sessionId, passwd, deliveredSeq } : { type: 'RESUME', sessionId, passwd, deliveredSeq, origin })
        this.link = origin?.link.toString('hex')
        if (this.node.hangOnResume) {
          this.hung = true
          this.ws.pause()
          return
        }
        if (!checkSession(store, sessionId, passwd.toString('hex'))) {
          this.send(Buffer.from([T.EXPIRED]))
          this.ws.close(1000)
          return
        }
        this.session = sessionId
        this.timeout = store.getSession(sessionId)?.timeout ?? 0
        this.sentSeq = deliveredSeq
        this.cluster.ack(sessionId, deliveredSeq)
        this.cluster.touch(sessionId, now)
        this.hold()
        const kept = this.node.keepsIdentities && this.link !== undefined ? this.cluster.identities.get(this.link) : undefined
        if (kept !== undefined) this.auth.push(...kept)
        const m = Buffer.alloc(kept === undefined ? 5 : 6)
        m[0] = T.RESUMED
        m.writeInt32BE(this.timeout, 1)
        if (kept !== undefined) m[5] = 0x01
        this.send(m)
        this.flushEvents()
        return
      }
      case T.DETACH:
        this.node.received.push({ type: 'DETACH' })
        if (this.session !== 0) store.dropWatches(this.session)
        this.gone()
        return
      case T.REQUEST:
        this.request(readI64(data, 1), data.subarray(9), now)
        return
      default:
        throw new Error(`fake node: unknown message type ${data[0]}`)
    }
  }

  private request (ackSeq: number, body: Buffer, now: number): void {
    const r = new JuteReader(body)
    const { xid, type } = decodeRequestHeader(r)
    this.node.received.push({ type: 'REQUEST', ackSeq, xid, op: type })
    this.cluster.touch(this.session, now)
    this.cluster.ack(this.session, ackSeq)
    const { store } = this.cluster
    if (type === OpCode.ping) {
      this.send(withType(T.REPLY, encodePing(undefined, store.getZxid())))
      return
    }
    const fate = this.node.fate({ xid, op: type, n: this.node.countRequest() })
    if (fate === 'hang') {
      // A hung host: the request is never answered, nor is anything else.
      this.hung = true
      this.ws.pause()
      return
    }
    if (fate === 'die-before') {
      this.node.kill()
      return
    }
    const key = `${this.session}:${xid}`
    let reply = xid >= 0 ? this.cluster.results.get(key) : undefined
    let close = false
    if (reply === undefined) {
      let out: Outcome | undefined
      let req
      try {
        req = decodeRequest(type, r)
      } catch (err) {
        if (!(err instanceof UnknownOpcodeError)) throw err
        reply = encodeReply(undefined, xid, -1, Err.UNIMPLEMENTED, type)
        close = true
      }
      if (req !== undefined) {
        const ctx = { session: this.session, now, auth: this.auth }
        switch (req.type) {
          case OpCode.auth: {
            const id = authenticate(req.scheme, req.auth, '127.0.0.1')
            if (id !== undefined) {
              this.auth.push(id)
              if (this.link !== undefined) this.cluster.identities.get(this.link)?.push(id)
            }
            reply = encodeReply(undefined, xid, 0, id === undefined ? Err.AUTHFAILED : Err.OK, type)
            close = id === undefined
            break
          }
          case OpCode.closeSession:
            out = closeSession(store, ctx)
            close = true
            break
          case OpCode.ping:
          case OpCode.whoAmI:
          case OpCode.reconfig:
          case OpCode.sasl:
          case OpCode.addWatch:
          case OpCode.checkWatches:
          case OpCode.removeWatches:
            reply = encodeReply(undefined, xid, -1, Err.UNIMPLEMENTED, type)
            close = true
            break
          default:
            out = execute(store, ctx, req)
        }
        if (out !== undefined) {
          this.cluster.deliver(out.events, this)
          reply = encodeReply(undefined, xid, out.zxid, out.err, type, out.body)
        }
      }
      // Only changes are recorded, as a real node does: a re-sent read runs again.
      if (xid >= 0 && reply !== undefined && !READS.has(type)) this.cluster.results.set(key, reply)
    }
    if (fate === 'die-after') {
      this.node.kill()
      return
    }
    this.flushEvents()
    this.send(withType(T.REPLY, reply as Buffer))
    if (close) {
      if (type === OpCode.closeSession) this.cluster.holders.delete(this.session)
      this.closeWith(type === OpCode.closeSession ? 'session closed' : 'unimplemented request')
    }
  }
}

export { Xid }
