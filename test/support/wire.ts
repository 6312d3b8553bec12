import { connect, type Socket } from 'node:net'

/**
 * A deliberately tiny, independent encoder/decoder for ZooKeeper's jute wire
 * format, for tests that must send exact (and exactly wrong) bytes. It does
 * not share code with src/protocol: a test's bytes must not be produced by
 * the code under test.
 */

export const OP = { create: 1, delete: 2, exists: 3, getData: 4, setData: 5, getChildren: 8, ping: 11, closeSession: -11 } as const
const WORLD_ANYONE_ALL = { perms: 31, scheme: 'world', id: 'anyone' }

export class JuteWriter {
  private readonly parts: Buffer[] = []

  int (n: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    this.parts.push(b)
    return this
  }

  long (n: bigint): this {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(n)
    this.parts.push(b)
    return this
  }

  bool (v: boolean): this {
    this.parts.push(Buffer.from([v ? 1 : 0]))
    return this
  }

  /** null is length -1, as jute encodes it. */
  buffer (b: Buffer | null): this {
    if (b === null) return this.int(-1)
    this.int(b.length)
    this.parts.push(b)
    return this
  }

  string (s: string | null): this {
    return this.buffer(s === null ? null : Buffer.from(s, 'utf8'))
  }

  raw (b: Buffer): this {
    this.parts.push(b)
    return this
  }

  bytes (): Buffer { return Buffer.concat(this.parts) }

  /** The bytes prefixed with their 4-byte big-endian length. */
  frame (): Buffer { return frame(this.bytes()) }
}

export function frame (body: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeInt32BE(body.length)
  return Buffer.concat([len, body])
}

export interface ConnectOptions {
  timeoutMs?: number
  sessionId?: bigint
  passwd?: Buffer
  lastZxidSeen?: bigint
  readOnly?: boolean
}

export function connectRequest (o: ConnectOptions = {}): Buffer {
  return new JuteWriter()
    .int(0)
    .long(o.lastZxidSeen ?? 0n)
    .int(o.timeoutMs ?? 30_000)
    .long(o.sessionId ?? 0n)
    .buffer(o.passwd ?? Buffer.alloc(16))
    .bool(o.readOnly ?? false)
    .frame()
}

export function requestFrame (xid: number, type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return new JuteWriter().int(xid).int(type).raw(body).frame()
}

export function createBody (path: string, data: Buffer | null, flags = 0): Buffer {
  return new JuteWriter()
    .string(path)
    .buffer(data)
    .int(1).int(WORLD_ANYONE_ALL.perms).string(WORLD_ANYONE_ALL.scheme).string(WORLD_ANYONE_ALL.id)
    .int(flags)
    .bytes()
}

export function pathWatchBody (path: string, watch = false): Buffer {
  return new JuteWriter().string(path).bool(watch).bytes()
}

export interface Reply {
  xid: number
  zxid: bigint
  err: number
  body: Buffer
}

export function parseReply (f: Buffer): Reply {
  if (f.length < 16) throw new Error(`reply frame too short: ${f.length} bytes`)
  return { xid: f.readInt32BE(0), zxid: f.readBigInt64BE(4), err: f.readInt32BE(12), body: f.subarray(16) }
}

export interface Session {
  timeoutMs: number
  sessionId: bigint
  passwd: Buffer
}

/**
 * A raw TCP connection that reassembles length-prefixed frames. `closed`
 * settles when the peer closes (or resets) the connection.
 */
export class RawConn {
  readonly socket: Socket
  readonly closed: Promise<void>
  private pending = Buffer.alloc(0)
  private readonly frames: Buffer[] = []
  private waiter: (() => void) | null = null
  private isClosed = false

  private constructor (socket: Socket) {
    this.socket = socket
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true
        this.wake()
        resolve()
      })
    })
    // A reset is one of the ways a server may drop an abusive client.
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk])
      while (this.pending.length >= 4) {
        const len = this.pending.readInt32BE(0)
        if (len < 0 || this.pending.length < 4 + len) break
        this.frames.push(this.pending.subarray(4, 4 + len))
        this.pending = this.pending.subarray(4 + len)
      }
      this.wake()
    })
  }

  static open (host: string, port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port })
      s.once('connect', () => {
        s.removeListener('error', reject)
        resolve(new RawConn(s))
      })
      s.once('error', reject)
    })
  }

  get isOpen (): boolean { return !this.isClosed }

  write (b: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(b, () => resolve()))
  }

  /** The next frame, or null if the connection closed first. Rejects on timeout. */
  async nextFrame (timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const f = this.frames.shift()
      if (f !== undefined) return f
      if (this.isClosed) return null
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.waiter = null; resolve() }, left)
        this.waiter = () => { clearTimeout(timer); resolve() }
      })
    }
  }

  /** Resolves true if the peer closes within `timeoutMs`, false otherwise. */
  async closedWithin (timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
    const r = await Promise.race([this.closed.then(() => true), timedOut])
    clearTimeout(timer)
    return r
  }

  async handshake (o: ConnectOptions = {}): Promise<Session> {
    await this.write(connectRequest(o))
    const f = await this.nextFrame()
    if (f === null) throw new Error('connection closed during the handshake')
    if (f.length < 4 + 4 + 8 + 4) throw new Error(`connect response too short: ${f.length} bytes`)
    const timeoutMs = f.readInt32BE(4)
    const sessionId = f.readBigInt64BE(8)
    const plen = f.readInt32BE(16)
    return { timeoutMs, sessionId, passwd: f.subarray(20, 20 + Math.max(plen, 0)) }
  }

  /** Sends one request and returns the next reply that is not a watch event (xid -1). */
  async request (xid: number, type: number, body: Buffer = Buffer.alloc(0), timeoutMs = 10_000): Promise<Reply | null> {
    await this.write(requestFrame(xid, type, body))
    for (;;) {
      const f = await this.nextFrame(timeoutMs)
      if (f === null) return null
      const r = parseReply(f)
      if (r.xid !== -1) return r
    }
  }

  destroy (): void {
    this.socket.destroy()
  }

  private wake (): void {
    const w = this.waiter
    this.waiter = null
    if (w !== null) w()
  }
}
