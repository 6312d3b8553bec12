// A small raw ZooKeeper client over `net`, built on our codec. It hides
// nothing: every call resolves to ZooKeeper's own {err, zxid, body}, and an
// optional log keeps every incoming frame in arrival order (replies and watch
// events interleaved), which is what differential and conformance tests need.

import { EventEmitter } from 'node:events'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls'
import { OpCode, Xid } from '../engine/codes'
import {
  FrameDecoder, JuteReader, JuteWriter, decodeConnectResponse, decodeReplyBody, decodeReplyHeader,
  decodeWatchEvent, encodeConnectRequest, encodeRawRequest, encodeRequest,
  type WatcherEvent, type WireReplyBody, type WireRequest
} from '../protocol'
import { ConnectError, ConnectionLossError, ProtocolError, SessionExpiredError } from './errors'

export interface ZkClientOptions {
  /** requested session timeout, ms (default 30000) */
  timeout?: number
  /** resume this session (with `passwd`) instead of creating one; pass `sessionIdBig` for a real ZooKeeper's ids */
  sessionId?: number | bigint
  passwd?: Buffer
  lastZxidSeen?: number
  readOnly?: boolean
  /** omit the trailing readOnly byte of ConnectRequest, as 3.4-era clients do */
  oldProtocol?: boolean
  /** ms allowed for the TCP connect plus the handshake (default 10000) */
  connectTimeout?: number
  /** send pings every negotiatedTimeout/3 when idle (default true) */
  autoPing?: boolean
  /** keep every incoming frame in `messages` (default false: a long-lived client would grow without bound) */
  record?: boolean
  /** largest frame accepted from the server (default 16 MiB: the client trusts its server) */
  maxBuffer?: number
  /** the local address to connect from (e.g. 127.0.0.2, to be another client host on loopback) */
  localAddress?: string
  /** connect over TLS (a secure client port) with these options (ca, key, cert, servername…) */
  tls?: TlsConnectionOptions
}

export interface Reply {
  xid: number
  zxid: number
  err: number
  /** the decoded response record; present only when err is OK and the opcode has one */
  body?: WireReplyBody
  /** frame length in bytes, without the length prefix (16 = header only) */
  size: number
  /** for requestRaw: the bytes after the header, undecoded */
  raw?: Buffer
}

export interface WatchNotification extends WatcherEvent {
  /** the header zxid (ZooKeeper 3.8 sends -1) */
  zxid: number
}

export type Message =
  | { kind: 'reply', opcode: number, xid: number, zxid: number, err: number, body?: WireReplyBody, size: number }
  | { kind: 'watch', xid: number, zxid: number, err: number, type: number, state: number, path: string }
  | { kind: 'ping', xid: number, zxid: number, err: number }
  | { kind: 'auth', xid: number, zxid: number, err: number }

interface Pending {
  xid: number
  opcode: number
  raw: boolean
  resolve: (r: Reply) => void
  reject: (e: Error) => void
}

type Waiter = Pick<Pending, 'resolve' | 'reject'>

const HEADER_SIZE = 16

export interface ZkClient {
  on(event: 'watch', listener: (ev: WatchNotification) => void): this
  on(event: 'message', listener: (m: Message) => void): this
  on(event: 'close', listener: (reason: string) => void): this
  once(event: 'watch', listener: (ev: WatchNotification) => void): this
  once(event: 'message', listener: (m: Message) => void): this
  once(event: 'close', listener: (reason: string) => void): this
}

export class ZkClient extends EventEmitter {
  readonly address: string
  /**
   * The session id as a number: exact for ids we mint (< 2^53), rounded for
   * real ZooKeeper's (>= 2^56), where two sessions may even look equal. Use
   * `sessionIdBig` to identify or resume a session exactly. Stat.ephemeralOwner
   * is rounded the same way, so `ephemeralOwner === sessionId` still holds.
   */
  sessionId = 0
  sessionIdBig = 0n
  passwd: Buffer = Buffer.alloc(16)
  negotiatedTimeout = 0
  /** highest zxid seen in any reply header, as the Java client tracks it */
  lastZxid = 0
  /** whether the server's ConnectResponse carried the readOnly byte, and its value */
  serverSentReadOnly = false
  serverReadOnly = false
  /** every incoming frame, in arrival order, when `record` is set */
  readonly messages: Message[] = []

  private readonly socket: Socket
  private readonly writer = new JuteWriter(1024)
  private readonly reader = new JuteReader(Buffer.alloc(0))
  private readonly decoder: FrameDecoder
  private readonly record: boolean
  private readonly pending: Pending[] = []
  private readonly pings: Waiter[] = []
  private readonly auths: Waiter[] = []
  private nextXid = 1
  private pingTimer: NodeJS.Timeout | undefined
  private sentSinceTick = false
  /** the socket is corked until the end of this tick (see writeOrReject) */
  private corked = false
  private closedReason: string | null = null

  private constructor (address: string, socket: Socket, opts: ZkClientOptions) {
    super()
    this.address = address
    this.socket = socket
    this.record = opts.record === true
    this.decoder = new FrameDecoder({ maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024 })
  }

  /** Connects and completes the handshake. Rejects with ConnectError or SessionExpiredError. */
  static connect (address: string, opts: ZkClientOptions = {}): Promise<ZkClient> {
    return new Promise((resolve, reject) => {
      // Throwing here rejects the promise: a bad address is a ConnectError too.
      const { host, port } = parseAddress(address)
      const where = opts.localAddress === undefined ? { host, port } : { host, port, localAddress: opts.localAddress }
      const socket: Socket = opts.tls === undefined ? netConnect(where) : tlsConnect({ ...opts.tls, ...where })
      socket.setNoDelay(true)
      const client = new ZkClient(address, socket, opts)
      let settled = false
      const fail = (e: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        reject(e)
      }
      const timer = setTimeout(() => fail(new ConnectError(address, `no handshake within ${opts.connectTimeout ?? 10000} ms`)), opts.connectTimeout ?? 10000)

      // over TLS the request waits for the handshake (a refused certificate is an 'error' before it)
      socket.once(opts.tls === undefined ? 'connect' : 'secureConnect', () => {
        socket.write(encodeConnectRequest(client.writer, {
          lastZxidSeen: opts.lastZxidSeen ?? 0,
          timeOut: opts.timeout ?? 30000,
          sessionId: opts.sessionId ?? 0,
          passwd: opts.passwd ?? Buffer.alloc(16),
          readOnly: opts.readOnly === true
        }, opts.oldProtocol !== true))
      })
      socket.on('error', (e) => {
        if (!settled) fail(new ConnectError(address, e.message))
        else client.shutdown(`socket error: ${e.message}`)
      })
      socket.on('close', () => {
        if (!settled) fail(new ConnectError(address, 'the server closed the connection before completing the handshake'))
        else client.shutdown('the server closed the connection')
      })

      // The first frame is the ConnectResponse; every later one is a reply or an event.
      let handshaken = false
      socket.on('data', (chunk: Buffer) => {
        try {
          client.decoder.push(chunk, (frame) => {
            if (handshaken) {
              client.onFrame(frame)
              return
            }
            handshaken = true
            const res = decodeConnectResponse(frame)
            if (res.timeOut <= 0) {
              fail(new SessionExpiredError(address, BigInt(opts.sessionId ?? 0)))
              return
            }
            client.sessionId = res.sessionId
            client.sessionIdBig = res.sessionIdBig
            client.passwd = res.passwd
            client.negotiatedTimeout = res.timeOut
            client.serverSentReadOnly = res.hasReadOnly
            client.serverReadOnly = res.readOnly === true
            client.lastZxid = opts.lastZxidSeen ?? 0
            settled = true
            clearTimeout(timer)
            if (opts.autoPing !== false) client.startPings()
            resolve(client)
          })
        } catch (e) {
          const err = e as Error
          if (!settled) fail(new ConnectError(address, `bad frame from server: ${err.message}`))
          else client.shutdown(`protocol error: ${err.message}`, new ProtocolError(err.message))
        }
      })
    })
  }

  /** the local port of the connection (the client's side, as a server's `cons` shows it) */
  get localPort (): number | undefined {
    return this.socket.localPort
  }

  /** True once the connection is gone (closed, destroyed or lost). */
  get closed (): boolean {
    return this.closedReason !== null
  }

  /** Sends any request; resolves with ZooKeeper's raw answer. `xid` overrides the next sequential xid (e.g. -8 for setWatches as Java sends it). */
  request (req: WireRequest, opts: { xid?: number } = {}): Promise<Reply> {
    if (req.type === OpCode.ping) return this.ping()
    if (req.type === OpCode.auth) return this.sendAuth(req)
    const xid = opts.xid ?? this.nextXid++
    return this.enqueue(xid, req.type, false, () => encodeRequest(this.writer, xid, req))
  }

  /** Sends an arbitrary opcode with raw body bytes; the reply's body is returned undecoded in `raw`. */
  requestRaw (type: number, body?: Uint8Array, opts: { xid?: number } = {}): Promise<Reply> {
    const xid = opts.xid ?? this.nextXid++
    return this.enqueue(xid, type, true, () => encodeRawRequest(this.writer, xid, type, body))
  }

  /** addAuthInfo: an AuthPacket with xid -4. ZooKeeper answers it out of band, so it is matched apart from other replies. */
  auth (scheme: string, auth: Buffer): Promise<Reply> {
    return this.sendAuth({ type: OpCode.auth, authType: 0, scheme, auth })
  }

  ping (): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!this.writeOrReject(encodeRequest(this.writer, Xid.PING, { type: OpCode.ping }), reject)) return
      this.pings.push({ resolve, reject })
    })
  }

  /** closeSession: waits for the reply, then ends the connection. The session (and its ephemerals) is gone. */
  async close (): Promise<Reply> {
    const reply = await this.request({ type: OpCode.closeSession })
    this.stopPings()
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve()
      this.socket.once('close', () => resolve())
      this.socket.end()
    })
    this.shutdown('closed by the client')
    return reply
  }

  /** Drops the connection without closing the session, to test resumption and expiry. */
  destroy (): void {
    // what was already asked for still reaches the kernel, as it did before corking
    if (this.corked) this.flushWrites()
    this.socket.destroy()
    this.shutdown('destroyed by the client')
  }

  private sendAuth (req: WireRequest & { type: OpCode.auth }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!this.writeOrReject(encodeRequest(this.writer, Xid.AUTH, req), reject)) return
      this.auths.push({ resolve, reject })
    })
  }

  private enqueue (xid: number, opcode: number, raw: boolean, encode: () => Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!this.writeOrReject(encode(), reject)) return
      this.pending.push({ xid, opcode, raw, resolve, reject })
    })
  }

  private writeOrReject (frame: Buffer, reject: (e: Error) => void): boolean {
    if (this.closedReason !== null) {
      reject(new ConnectionLossError(this.closedReason))
      return false
    }
    this.sentSinceTick = true
    if (!this.corked) {
      // Requests issued in the same tick (pipelined callers resuming on one
      // chunk of replies) leave in one writev instead of one send() each.
      this.corked = true
      this.socket.cork()
      process.nextTick(uncorkClient, this)
    }
    this.socket.write(frame)
    return true
  }

  /** End of the tick: send the requests gathered since writeOrReject corked the socket. */
  flushWrites (): void {
    this.corked = false
    this.socket.uncork()
  }

  private onFrame (frame: Buffer): void {
    const r = this.reader.reset(frame)
    const h = decodeReplyHeader(r)
    if (h.zxid > 0) this.lastZxid = h.zxid

    if (h.xid === Xid.NOTIFICATION) {
      const ev = decodeWatchEvent(r)
      if (this.logging()) this.log({ kind: 'watch', xid: h.xid, zxid: h.zxid, err: h.err, type: ev.type, state: ev.state, path: ev.path })
      this.emit('watch', { ...ev, zxid: h.zxid })
      return
    }
    if (h.xid === Xid.PING) {
      if (this.logging()) this.log({ kind: 'ping', ...h })
      this.pings.shift()?.resolve({ ...h, size: frame.length })
      return
    }
    if (h.xid === Xid.AUTH) {
      if (this.logging()) this.log({ kind: 'auth', ...h })
      this.auths.shift()?.resolve({ ...h, size: frame.length })
      return
    }

    const p = this.pending.shift()
    if (p === undefined || p.xid !== h.xid) {
      const msg = p === undefined
        ? `reply with xid ${h.xid} while no request is outstanding`
        : `reply with xid ${h.xid} out of order: expected xid ${p.xid}`
      if (p !== undefined) this.pending.unshift(p)
      throw new ProtocolError(msg)
    }
    const reply: Reply = { ...h, size: frame.length }
    if (p.raw) {
      reply.raw = Buffer.from(r.rest())
    } else if (h.err === 0) {
      const body = decodeReplyBody(p.opcode, r)
      if (body !== undefined) reply.body = body
    }
    // a load generator reads millions of replies nobody records: no message object for them
    if (this.logging()) this.log({ kind: 'reply', opcode: p.opcode, xid: h.xid, zxid: h.zxid, err: h.err, body: reply.body, size: frame.length })
    p.resolve(reply)
  }

  private logging (): boolean {
    return this.record || this.listenerCount('message') > 0
  }

  private log (m: Message): void {
    if (this.record) this.messages.push(m)
    if (this.listenerCount('message') > 0) this.emit('message', m)
  }

  private startPings (): void {
    const every = Math.max(50, Math.floor(this.negotiatedTimeout / 3))
    this.pingTimer = setInterval(() => {
      if (!this.sentSinceTick) this.ping().catch(() => {})
      this.sentSinceTick = false
    }, every)
    this.pingTimer.unref()
  }

  private stopPings (): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer)
    this.pingTimer = undefined
  }

  private shutdown (reason: string, cause?: Error): void {
    if (this.closedReason !== null) return
    this.closedReason = reason
    this.stopPings()
    if (cause !== undefined) this.socket.destroy()
    const lost = new ConnectionLossError(reason)
    for (const q of [this.pending, this.pings, this.auths] as Waiter[][]) {
      for (const w of q.splice(0)) w.reject(lost)
    }
    this.emit('close', reason)
  }
}

export function parseAddress (address: string): { host: string, port: number } {
  const i = address.lastIndexOf(':')
  const host = i > 0 ? address.slice(0, i).replace(/^\[|\]$/g, '') : '127.0.0.1'
  const port = Number(i >= 0 ? address.slice(i + 1) : address)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConnectError(address, 'the address must be "host:port" with a port between 1 and 65535')
  }
  return { host, port }
}

export { HEADER_SIZE }

function uncorkClient (client: ZkClient): void {
  client.flushWrites()
}
