// A raw client of the node's WebSocket API (docs/protocol.md), built on the
// real `ws` package and the real jute codec: what a sidecar does, one message
// at a time, so tests can assert the exact messages and their order.

import { randomBytes } from 'node:crypto'
import { OpCode } from '../../src/engine/codes'
import type { ACL, Data } from '../../src/engine/types'
import {
  decodeConnectResponse, decodeReplyBody, decodeReplyHeader, decodeWatchEvent,
  encodeConnectRequest, encodeRawRequest, encodeRequest, JuteReader
} from '../../src/protocol'
import type { WireReplyBody, WireRequest } from '../../src/protocol'
import {
  DETACH_MESSAGE, encodeConnect, encodeRequestMessage, encodeResume, Msg
} from '../../src/node/messages'

// `ws` ships no types (no @types/ws in the project): the part we use.
interface RawWs {
  readyState: number
  binaryType: string
  on(event: 'open', fn: () => void): void
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void
  on(event: 'close', fn: (code: number, reason: Buffer) => void): void
  on(event: 'error', fn: (err: Error) => void): void
  send(data: Buffer | string): void
  close(): void
  terminate(): void
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require('ws') as new (url: string) => RawWs

export const OPEN_ACL: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

export type NodeMessage =
  | { kind: 'connected', sessionId: number, timeout: number, passwd: Buffer, hasReadOnly: boolean }
  | { kind: 'resumed', timeout: number }
  | { kind: 'reply', xid: number, zxid: number, err: number, body: WireReplyBody | undefined }
  | { kind: 'event', seq: number, type: number, state: number, path: string }
  | { kind: 'close', reason: string }
  | { kind: 'expired' }

export interface Session {
  id: number
  passwd: Buffer
  timeout: number
}

/** The opcode each xid was sent with, to decode its reply body. */
type Pending = Map<number, number>

// One increasing xid sequence for every client in the process: a RESUME
// carries the same ZooKeeper client on, whose xids never go back, and the
// node's replay records are keyed by (session, xid).
let nextXid = 1

export class ApiClient {
  /** every message received, in order */
  readonly log: NodeMessage[] = []
  /** the highest EVENT seq received (what a sidecar acks and resumes with) */
  lastSeq = 0
  closed = false
  closeCode = 0
  private readonly waiters: Array<() => void> = []
  private readonly pending: Pending = new Map()
  private read = 0

  private constructor (private readonly ws: RawWs) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) throw new Error('node sent a text message')
      this.log.push(this.decode(data))
      this.wake()
    })
    ws.on('close', (code) => {
      this.closed = true
      this.closeCode = code
      this.wake()
    })
    ws.on('error', () => { /* 'close' follows */ })
  }

  static open (httpPort: number, path = '/v1/zk'): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${httpPort}${path}`)
      ws.binaryType = 'nodebuffer'
      ws.on('open', () => resolve(new ApiClient(ws)))
      ws.on('error', reject)
    })
  }

  // ---- sending ----

  sendRaw (msg: Buffer | string): void {
    this.ws.send(msg)
  }

  connect (opts: { sessionId?: number, passwd?: Buffer, timeout?: number, lastZxidSeen?: number, readOnly?: boolean } = {}): void {
    const frame = encodeConnectRequest(undefined, {
      lastZxidSeen: opts.lastZxidSeen ?? 0,
      timeOut: opts.timeout ?? 30000,
      sessionId: opts.sessionId ?? 0,
      passwd: opts.passwd ?? Buffer.alloc(16)
    }, opts.readOnly !== false)
    this.ws.send(encodeConnect(frame))
  }

  resume (s: Session, deliveredSeq = this.lastSeq): void {
    this.ws.send(encodeResume(s.id, s.passwd, deliveredSeq))
  }

  /** REQUEST with the next xid (or the given one); returns the xid. */
  send (req: WireRequest, xid?: number): number {
    const x = xid ?? nextXid++
    if (req.type !== OpCode.ping) this.pending.set(x, req.type)
    this.ws.send(encodeRequestMessage(this.lastSeq, encodeRequest(undefined, x, req)))
    return x
  }

  sendRawRequest (xid: number, type: number, body?: Buffer): void {
    this.pending.set(xid, type)
    this.ws.send(encodeRequestMessage(this.lastSeq, encodeRawRequest(undefined, xid, type, body)))
  }

  ping (): void {
    this.ws.send(encodeRequestMessage(this.lastSeq, encodeRequest(undefined, -2, { type: OpCode.ping })))
  }

  detach (): void {
    this.ws.send(DETACH_MESSAGE)
  }

  /** Drop the WebSocket without a word, as a dead sidecar link does. */
  drop (): void {
    this.ws.terminate()
  }

  close (): void {
    this.ws.close()
  }

  // ---- receiving ----

  /** The next message not yet taken; rejects after `ms` or if the socket closes first. */
  async next (ms = 5000): Promise<NodeMessage> {
    const deadline = Date.now() + ms
    while (this.read >= this.log.length) {
      if (this.closed) throw new Error(`websocket closed (code ${this.closeCode}) while waiting for a message`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no message within ${ms} ms`)
      await this.wait(left)
    }
    return this.log[this.read++]
  }

  /** Messages up to and including the reply to `xid`. */
  async until (xid: number, ms = 5000): Promise<NodeMessage[]> {
    const out: NodeMessage[] = []
    for (;;) {
      const m = await this.next(ms)
      out.push(m)
      if (m.kind === 'reply' && m.xid === xid) return out
    }
  }

  /** The reply to `xid`, failing on anything but events before it. */
  async reply (xid: number, ms = 5000): Promise<Extract<NodeMessage, { kind: 'reply' }>> {
    const msgs = await this.until(xid, ms)
    const last = msgs[msgs.length - 1]
    if (last.kind !== 'reply') throw new Error('unreachable')
    return last
  }

  /** Resolves once the socket is closed (or rejects after ms). */
  async waitClosed (ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`websocket still open after ${ms} ms`)
      await this.wait(left)
    }
  }

  /** Resolves to true if no message arrives within ms. */
  async quietFor (ms: number): Promise<boolean> {
    const deadline = Date.now() + ms
    while (this.read >= this.log.length && !this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) return true
      await this.wait(left)
    }
    return this.read >= this.log.length
  }

  private wait (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done (): void {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }

  private wake (): void {
    for (const w of this.waiters.splice(0)) w()
  }

  private decode (m: Buffer): NodeMessage {
    switch (m[0]) {
      case Msg.CONNECTED: {
        const r = decodeConnectResponse(m.subarray(5))
        if (m.readInt32BE(1) !== m.length - 5) throw new Error('CONNECTED: bad frame length')
        return { kind: 'connected', sessionId: r.sessionId, timeout: r.timeOut, passwd: Buffer.from(r.passwd), hasReadOnly: r.hasReadOnly }
      }
      case Msg.RESUMED:
        return { kind: 'resumed', timeout: m.readInt32BE(1) }
      case Msg.REPLY: {
        if (m.readInt32BE(1) !== m.length - 5) throw new Error('REPLY: bad frame length')
        const r = new JuteReader(m.subarray(5))
        const h = decodeReplyHeader(r)
        let body: WireReplyBody | undefined
        if (h.xid !== -2 && h.err === 0) {
          const type = this.pending.get(h.xid)
          if (type === undefined) throw new Error(`REPLY for unknown xid ${h.xid}`)
          body = decodeReplyBody(type, r)
        }
        this.pending.delete(h.xid)
        return { kind: 'reply', xid: h.xid, zxid: h.zxid, err: h.err, body }
      }
      case Msg.EVENT: {
        const seq = Number(m.readBigInt64BE(1))
        if (m.readInt32BE(9) !== m.length - 13) throw new Error('EVENT: bad frame length')
        const r = new JuteReader(m.subarray(13))
        const h = decodeReplyHeader(r)
        if (h.xid !== -1) throw new Error(`EVENT frame with xid ${h.xid}`)
        const ev = decodeWatchEvent(r)
        if (seq <= this.lastSeq) throw new Error(`EVENT seq ${seq} after ${this.lastSeq}: seqs must grow`)
        this.lastSeq = seq
        return { kind: 'event', seq, type: ev.type, state: ev.state, path: ev.path }
      }
      case Msg.CLOSE:
        return { kind: 'close', reason: m.subarray(1).toString('utf8') }
      case Msg.EXPIRED:
        return { kind: 'expired' }
      default:
        throw new Error(`unknown message type 0x${m[0].toString(16)}`)
    }
  }
}

/** Opens a WebSocket and creates a new session on it. */
export async function newSession (httpPort: number, timeout = 30000): Promise<{ c: ApiClient, s: Session }> {
  const c = await ApiClient.open(httpPort)
  c.connect({ timeout })
  const m = await c.next()
  if (m.kind !== 'connected') throw new Error(`expected CONNECTED, got ${m.kind}`)
  return { c, s: { id: m.sessionId, passwd: m.passwd, timeout: m.timeout } }
}

export function create (path: string, data: Data = Buffer.from('x'), flags = 0): WireRequest {
  return { type: OpCode.create, path, data, dataLength: data === null ? -1 : data.length, acl: OPEN_ACL, flags }
}

export function randomPassword (): Buffer {
  return randomBytes(16)
}
