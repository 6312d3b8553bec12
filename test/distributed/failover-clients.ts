// The two kinds of ZooKeeper client the failover workload drives, behind one
// small interface: our raw ZkClient (nothing hidden: a dropped TCP
// connection is a 'close' event, full stop) and node-zookeeper-client (a
// real library, with its own pings and reconnect logic, whose state changes
// we count). Both report a watch firing to one callback per registration,
// and both take a watch as set when the reply of the request setting it
// arrives (an event before that is dropped by the libraries; here it is
// reported).

import { ZkClient } from '../../src/client'
import { EventType, OpCode } from '../../src/engine/codes'
import type { Data } from '../../src/engine/types'
import { NodeZk } from '../support/nodezk'

export const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** A ZooKeeper error answer (code is ZooKeeper's number), as opposed to a broken connection. */
export class ZkAnswerError extends Error {
  constructor (readonly op: string, readonly path: string, readonly code: number) {
    super(`${op} ${path}: error ${code}`)
  }
}

export type OnFire = (type: number, path: string) => void

export interface FoClient {
  readonly kind: 'ZkClient' | 'node-zookeeper-client'
  /** the session id as ZooKeeper's Stat.ephemeralOwner shows it (our ids are < 2^53) */
  readonly sessionId: number
  /** connection-level trouble seen so far: ZkClient 'close', node-zookeeper-client leaving SYNC_CONNECTED */
  readonly disconnects: string[]
  readonly expirations: number
  /** resolves with the created path */
  create(path: string, data: Data, flags: number): Promise<string>
  /** resolves with the new data version */
  setData(path: string, data: Buffer, version: number): Promise<number>
  /** getData with a watch; resolves with the data version read */
  watchData(path: string, onFire: OnFire): Promise<number>
  /** getChildren2 with a watch; resolves with the parent's cversion */
  watchChildren(path: string, onFire: OnFire): Promise<number>
  /** a cheap read: watch events due before it have been delivered when it resolves */
  sync(): Promise<void>
  /** closeSession; resolves with ZooKeeper's error code for it (0 = closed a live session) */
  close(): Promise<number>
  /** drop the connection, for teardown after a failure */
  destroy(): void
}

export class RawFoClient implements FoClient {
  readonly kind = 'ZkClient'
  readonly disconnects: string[] = []
  readonly expirations = 0
  private closing = false
  private readonly dataFire = new Map<string, OnFire>()
  private readonly childFire = new Map<string, OnFire>()
  // A watch counts as set when its request's reply arrives, as in the Java
  // client and node-zookeeper-client: ZooKeeper answers the request that
  // sets a watch before it sends any event for that watch. One outstanding
  // watch request per kind (the workload sends them one at a time).
  private pendingData: { path: string, onFire: OnFire } | undefined
  private pendingChild: { path: string, onFire: OnFire } | undefined

  private constructor (private readonly c: ZkClient) {
    c.on('close', (reason) => { if (!this.closing) this.disconnects.push(reason) })
    // 'message' is emitted synchronously in arrival order, unlike the
    // promise a reply resolves, so replies and events are seen in wire order.
    c.on('message', (m) => {
      if (m.kind === 'reply' && m.opcode === OpCode.getData && this.pendingData !== undefined) {
        if (m.err === 0) this.dataFire.set(this.pendingData.path, this.pendingData.onFire)
        this.pendingData = undefined
      } else if (m.kind === 'reply' && m.opcode === OpCode.getChildren2 && this.pendingChild !== undefined) {
        if (m.err === 0) this.childFire.set(this.pendingChild.path, this.pendingChild.onFire)
        this.pendingChild = undefined
      } else if (m.kind === 'watch') {
        const child = m.type === EventType.NodeChildrenChanged
        const table = child ? this.childFire : this.dataFire
        const fire = table.get(m.path)
        table.delete(m.path)
        if (fire !== undefined) { fire(m.type, m.path); return }
        const early = (child ? this.pendingChild : this.pendingData)?.path === m.path
        unexpected.push({
          at: Date.now(),
          kind: early ? 'early' : 'stray',
          text: `${this.kind} 0x${this.c.sessionIdBig.toString(16)}: event ${m.type} on ${m.path} ` +
            (early ? `before the reply to the ${child ? 'getChildren2' : 'getData'} that set its watch` : 'with no watch set')
        })
      }
    })
  }

  static async connect (address: string, timeout: number): Promise<RawFoClient> {
    return new RawFoClient(await ZkClient.connect(address, { timeout }))
  }

  get sessionId (): number { return this.c.sessionId }

  async create (path: string, data: Data, flags: number): Promise<string> {
    const r = await this.c.request({ type: OpCode.create, path, data, dataLength: data === null ? 0 : data.length, acl: OPEN, flags })
    if (r.err !== 0) throw new ZkAnswerError('create', path, r.err)
    return r.body?.path ?? ''
  }

  async setData (path: string, data: Buffer, version: number): Promise<number> {
    const r = await this.c.request({ type: OpCode.setData, path, data, dataLength: data.length, version })
    if (r.err !== 0) throw new ZkAnswerError('setData', path, r.err)
    return r.body?.stat?.version ?? -1
  }

  async watchData (path: string, onFire: OnFire): Promise<number> {
    this.pendingData = { path, onFire }
    const r = await this.c.request({ type: OpCode.getData, path, watch: true })
    if (r.err !== 0) throw new ZkAnswerError('getData', path, r.err)
    return r.body?.stat?.version ?? -1
  }

  async watchChildren (path: string, onFire: OnFire): Promise<number> {
    this.pendingChild = { path, onFire }
    const r = await this.c.request({ type: OpCode.getChildren2, path, watch: true })
    if (r.err !== 0) throw new ZkAnswerError('getChildren2', path, r.err)
    return r.body?.stat?.cversion ?? -1
  }

  async sync (): Promise<void> {
    const r = await this.c.request({ type: OpCode.exists, path: '/', watch: false })
    if (r.err !== 0) throw new ZkAnswerError('exists', '/', r.err)
  }

  async close (): Promise<number> {
    this.closing = true
    return (await this.c.close()).err
  }

  destroy (): void {
    this.closing = true
    this.c.destroy()
  }
}

export class NzcFoClient implements FoClient {
  readonly kind = 'node-zookeeper-client'
  readonly disconnects: string[] = []
  expirations = 0
  private closing = false

  private constructor (private readonly z: NodeZk) {
    z.raw.on('state', (s) => {
      if (this.closing) return
      if (s.name === 'EXPIRED') this.expirations++
      if (s.name !== 'SYNC_CONNECTED') this.disconnects.push(s.name)
    })
  }

  static async connect (address: string, timeout: number): Promise<NzcFoClient> {
    return new NzcFoClient(await NodeZk.connect(address, { sessionTimeout: timeout }))
  }

  get sessionId (): number { return Number(BigInt('0x' + this.z.sessionIdHex)) }

  create (path: string, data: Data, flags: number): Promise<string> {
    return wrap('create', path, this.z.create(path, data === null ? null : Buffer.from(data), flags))
  }

  async setData (path: string, data: Buffer, version: number): Promise<number> {
    return (await wrap('setData', path, this.z.setData(path, data, version))).version
  }

  async watchData (path: string, onFire: OnFire): Promise<number> {
    return (await wrap('getData', path, this.z.getData(path, (ev) => onFire(ev.type, ev.path)))).stat.version
  }

  async watchChildren (path: string, onFire: OnFire): Promise<number> {
    return (await wrap('getChildren', path, this.z.getChildren(path, (ev) => onFire(ev.type, ev.path)))).stat.cversion
  }

  async sync (): Promise<void> {
    await wrap('exists', '/', this.z.exists('/'))
  }

  async close (): Promise<number> {
    this.closing = true
    const state = this.z.raw.getState().name
    await this.z.close()
    // The library hides closeSession's answer; a session it still holds
    // as connected was live when it closed.
    return state === 'SYNC_CONNECTED' ? 0 : -112
  }

  destroy (): void {
    this.closing = true
    this.z.abandon()
  }
}

async function wrap<T> (op: string, path: string, p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'number') throw new ZkAnswerError(op, path, code)
    throw err
  }
}

/**
 * Events that came when no watch was set for them, with the time they came:
 * 'early' while the request setting that watch was still unanswered (stock
 * clients, which set a watch when its reply arrives, drop these), 'stray'
 * with no such request (a duplicate, or an event nobody asked for).
 */
export const unexpected: Array<{ at: number, kind: 'early' | 'stray', text: string }> = []
