// One client session of the fault runs, recording everything into a
// HistoryRecorder. It uses the raw ZkClient (nothing hidden) and does what a
// stock client does when its connection dies: it moves to the next address
// (another sidecar) with its session id and password, for as long as the
// session can still be alive, and learns there whether the session expired.
// A request unanswered for 2/3 of the session timeout (the Java client's
// read timeout) drops the connection: that request is indeterminate.
//
// Replies and events are recorded from the client's 'message' event, which
// fires synchronously in wire order; promise continuations would not keep
// an event that follows a reply in the same read after it.

import { ConnectError, ConnectionLossError, SessionExpiredError, ZkClient, type Reply } from '../../src/client'
import { CreateFlag, Err, OpCode } from '../../src/engine/codes'
import type { WireRequest } from '../../src/protocol/types'
import { HistoryRecorder, type RegisterOp } from '../support/history'
import { sleep } from '../support/proc'

export const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

export type Expiry = { at: number, how: string }

export class RecordedSession {
  /** connection number, for the history (0, 1, ...) */
  conn = -1
  client: ZkClient | undefined
  expired: Expiry | undefined
  /** the session could not reach any sidecar for longer than it could live */
  gaveUp: string | undefined
  reconnects = 0
  /** when silence() was called */
  silencedAt: number | undefined
  sessionId = 0n
  private passwd: Buffer = Buffer.alloc(16)
  private lastZxid = 0
  private xid = 0
  private lastHeard = 0
  private readonly inFlight = new Map<number, RegisterOp>()
  /** data watches on the current connection: path → set (or being set) */
  readonly watched = new Set<string>()
  /** the last version this session saw per key: its next compare-and-set expects it */
  readonly versions = new Map<string, number>()
  private reconnecting: Promise<ZkClient | undefined> | undefined

  constructor (
    readonly index: number,
    private readonly rec: HistoryRecorder,
    private readonly addresses: () => string[],
    readonly timeout: number
  ) {}

  get alive (): boolean { return this.expired === undefined && this.gaveUp === undefined }

  async open (): Promise<void> {
    const addrs = this.addresses()
    this.attach(await ZkClient.connect(addrs[this.index % addrs.length], { timeout: this.timeout }))
  }

  /** Creates this session's ephemeral (not part of the checked history). */
  async ephemeral (path: string): Promise<void> {
    const c = await this.connected()
    if (c === undefined) throw new Error(`session ${this.index}: no connection for its ephemeral`)
    const data = Buffer.from(String(this.index))
    const r = await c.request({ type: OpCode.create, path, data, dataLength: data.length, acl: OPEN, flags: CreateFlag.EPHEMERAL }, { xid: ++this.xid })
    if (r.err !== 0) throw new Error(`session ${this.index}: create ${path} answered ${r.err}`)
  }

  /** One recorded register operation; resolves when it is answered or known indeterminate. */
  async op (kind: RegisterOp['kind'], key: string, fields: { value?: string, expect?: number, watch?: boolean } = {}): Promise<void> {
    const c = await this.connected()
    if (c === undefined) return
    const xid = ++this.xid
    const watch = kind === 'read' && fields.watch === true && !this.watched.has(key)
    if (watch) this.watched.add(key)
    const op = this.rec.invoke(this.index, this.conn, xid, { key, kind, ...fields, watch })
    this.inFlight.set(xid, op)
    const req = kind === 'read'
      ? { type: OpCode.getData, path: key, watch } as const
      : { type: OpCode.setData, path: key, data: Buffer.from(fields.value ?? ''), dataLength: (fields.value ?? '').length, version: kind === 'cas' ? fields.expect ?? -1 : -1 } as const
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), Math.floor(this.timeout * 2 / 3)) })
    try {
      const r = await Promise.race([c.request(req, { xid }), hung])
      if (r === 'hung') {
        // the Java client's read timeout: give the connection up, move on
        c.destroy()
        return
      }
      if (r.err === Err.SESSIONEXPIRED) this.expire(`${kind} ${key} answered SESSIONEXPIRED`)
    } catch (err) {
      if (!(err instanceof ConnectionLossError)) throw err
    } finally {
      clearTimeout(timer)
      this.inFlight.delete(xid)
    }
  }

  /**
   * One recorded enqueue (the queue recipe: create queue/item- sequential
   * with `value`); an answer other than OK leaves it indeterminate.
   */
  async enqueue (queue: string, value: string): Promise<void> {
    const c = await this.connected()
    if (c === undefined) return
    const op = this.rec.queueInvoke(this.index, this.conn, queue, 'enqueue', value)
    const data = Buffer.from(value)
    const r = await this.call(c, { type: OpCode.create, path: `${queue}/item-`, data, dataLength: data.length, acl: OPEN, flags: CreateFlag.PERSISTENT_SEQUENTIAL })
    if (r?.err === 0) this.rec.queueDone(op, { seq: seqOf(r.body?.path ?? '') })
  }

  /**
   * One recorded dequeue (the queue recipe): getChildren, then the lowest
   * item first: getData (NONODE: taken, next), delete (OK: ours; NONODE:
   * someone else's, next); the list used up, getChildren again; empty: done.
   * A lost answer leaves it indeterminate; if that was a delete's, the item
   * it was deleting is its candidate (it may have taken it).
   */
  async dequeue (queue: string): Promise<void> {
    const c = await this.connected()
    if (c === undefined) return
    const op = this.rec.queueInvoke(this.index, this.conn, queue, 'dequeue')
    for (let round = 0; round < 50; round++) {
      const list = await this.call(c, { type: OpCode.getChildren, path: queue, watch: false })
      if (list?.err !== 0) return
      const names = [...(list.body?.children ?? [])].sort((a, b) => seqOf(a) - seqOf(b))
      if (names.length === 0) { this.rec.queueDone(op, { empty: true }); return }
      for (const name of names) {
        const path = `${queue}/${name}`
        const got = await this.call(c, { type: OpCode.getData, path, watch: false })
        if (got === undefined) return
        if (got.err === Err.NONODE) continue
        if (got.err !== 0) return
        const seq = seqOf(name)
        const value = Buffer.from(got.body?.data ?? []).toString()
        // the candidate, should the delete's answer be lost
        op.seq = seq
        op.value = value
        const del = await this.call(c, { type: OpCode.delete, path, version: -1 })
        if (del === undefined || (del.err !== 0 && del.err !== Err.NONODE)) return
        if (del.err === 0) { this.rec.queueDone(op, { seq, value }); return }
        delete op.seq
        delete op.value
      }
    }
    // contended past reason: it took nothing (no delete of its own succeeded or is in doubt)
  }

  /** A request of a multi-request operation: its reply, or undefined when the answer is lost (hung or connection gone). */
  private async call (c: ZkClient, req: WireRequest): Promise<Reply | undefined> {
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), Math.floor(this.timeout * 2 / 3)) })
    try {
      const r = await Promise.race([c.request(req, { xid: ++this.xid }), hung])
      if (r === 'hung') { c.destroy(); return undefined }
      if (r.err === Err.SESSIONEXPIRED) this.expire(`op ${req.type} answered SESSIONEXPIRED`)
      return r
    } catch (err) {
      if (!(err instanceof ConnectionLossError)) throw err
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  /** closeSession; resolves with its answer (0: the session was alive), or undefined with no connection. */
  async close (): Promise<number | undefined> {
    const c = await this.connected()
    if (c === undefined) return undefined
    const r = await c.request({ type: OpCode.closeSession }, { xid: ++this.xid }).catch(() => undefined)
    c.destroy()
    if (r?.err === Err.SESSIONEXPIRED) this.expire('closeSession answered SESSIONEXPIRED')
    return r?.err
  }

  /** Drops the connection and stays silent: the session must expire. */
  silence (): void {
    this.gaveUp = 'silenced by the test'
    this.silencedAt = Date.now()
    this.client?.destroy()
  }

  /** Whether the service would still resume this session (its id and password) at `address`. */
  async resumable (address: string): Promise<boolean> {
    try {
      const c = await ZkClient.connect(address, { timeout: this.timeout, sessionId: this.sessionId, passwd: this.passwd, connectTimeout: 5000 })
      await c.close().catch(() => c.destroy())
      return true
    } catch (err) {
      if (err instanceof SessionExpiredError) return false
      throw err
    }
  }

  destroy (): void {
    this.gaveUp ??= 'destroyed'
    this.client?.destroy()
  }

  private expire (how: string): void {
    this.expired ??= { at: Date.now(), how }
  }

  private attach (c: ZkClient): void {
    this.conn++
    const conn = this.conn
    this.client = c
    this.xid = 0
    this.sessionId = c.sessionIdBig
    this.passwd = c.passwd
    this.lastHeard = Date.now()
    this.watched.clear()
    c.on('message', (m) => {
      this.lastHeard = Date.now()
      if (m.zxid > this.lastZxid) this.lastZxid = m.zxid
      if (m.kind === 'watch') {
        this.watched.delete(m.path)
        this.rec.event(this.index, conn, m.path, m.type)
      } else if (m.kind === 'reply') {
        const op = this.inFlight.get(m.xid)
        if (op === undefined) return
        const stat = m.body?.stat
        const fields: Parameters<HistoryRecorder['reply']>[2] = { err: m.err }
        if (stat !== undefined) { fields.version = stat.version; fields.mzxid = stat.mzxid }
        if (op.kind === 'read' && m.err === 0) fields.read = Buffer.from(m.body?.data ?? []).toString()
        if (op.watch === true && m.err !== 0) this.watched.delete(op.key)
        if (stat !== undefined && m.err === 0) this.versions.set(op.key, stat.version)
        this.rec.reply(op, m.zxid, fields)
      }
    })
    c.on('close', (reason) => {
      this.rec.drop(this.index, conn, reason)
      if (this.client === c) this.client = undefined
    })
  }

  /** The current connection, reconnecting (another sidecar, same session) if it dropped. */
  private connected (): Promise<ZkClient | undefined> {
    if (!this.alive) return Promise.resolve(undefined)
    if (this.client !== undefined && !this.client.closed) return Promise.resolve(this.client)
    this.reconnecting ??= this.reconnect().finally(() => { this.reconnecting = undefined })
    return this.reconnecting
  }

  private async reconnect (): Promise<ZkClient | undefined> {
    // A session lives `timeout` after the last thing the service heard from
    // it; past that (and a margin for the expiry tick) it is gone anyway.
    const deadline = this.lastHeard + this.timeout * 2
    let k = this.index + this.conn + 1
    let lastErr = ''
    while (this.alive) {
      const addrs = this.addresses()
      const address = addrs[k++ % addrs.length]
      try {
        const c = await ZkClient.connect(address, { timeout: this.timeout, sessionId: this.sessionId, passwd: this.passwd, lastZxidSeen: this.lastZxid, connectTimeout: 3000 })
        this.reconnects++
        this.attach(c)
        return c
      } catch (err) {
        if (err instanceof SessionExpiredError) {
          this.expire(`resume through ${address} refused: session expired`)
          return undefined
        }
        if (!(err instanceof ConnectError)) throw err
        lastErr = err.message
      }
      if (Date.now() > deadline) {
        this.gaveUp = `no sidecar reachable for ${this.timeout * 2} ms (last: ${lastErr})`
        return undefined
      }
      await sleep(100)
    }
    return undefined
  }
}

/** The sequence number of a sequential node's name or path (its last 10 digits). */
export function seqOf (name: string): number {
  const m = /(\d{10})$/.exec(name)
  if (m === null) throw new Error(`not a sequential name: ${name}`)
  return Number(m[1])
}
