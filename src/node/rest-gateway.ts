// The REST API's way into Redis (src/api/gateway.ts): every request is one
// FCALL of the engine (RedisEngine.exec), as one internal session of this
// node, heartbeated like its clients' sessions and re-created if it expired.
// The FCALL returning means the write is in Redis (durable as Redis is
// configured, exactly as for ZooKeeper clients of this node); the watch
// events it fires are queued and announced by the engine itself.

import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { Err } from '../engine/codes'
import type { Id, Outcome, Request, SessionId } from '../engine/types'
import { GatewayUnavailableError, type ZkGateway } from '../api/gateway'
import type { NodeBackend } from './backend'
import type { Heartbeats } from './heartbeats'
import { ReplicaAckError } from '../stores/redis/replica-wait'

/** xids are jute ints; a session that used them all is replaced */
const MAX_XID = 0x7fffffff

export interface NodeRestGatewayOptions {
  backend: NodeBackend
  heartbeats: Heartbeats
  /** the REST session's timeout: the node's maxSessionTimeout */
  timeout: number
  maxBuffer: number
  log: Logger
}

export class NodeRestGateway implements ZkGateway {
  readonly maxBuffer: number
  // one owner per node: 'moved' notices for other owners never concern us
  private readonly owner = `rest-${randomBytes(8).toString('hex')}`
  private session: Promise<SessionId> | undefined
  private xid = 0
  private readonly keepAlive: NodeJS.Timeout
  private closed = false

  constructor (private readonly opts: NodeRestGatewayOptions) {
    this.maxBuffer = opts.maxBuffer
    // The ticker pushes out the deadline of every session beaten since its
    // last round; beating a few times per timeout keeps an idle one alive.
    this.keepAlive = setInterval(() => { void this.beat() }, Math.max(1, Math.floor(opts.timeout / 4)))
    this.keepAlive.unref()
  }

  async run (req: Request, auth: readonly Id[]): Promise<Outcome> {
    if (this.closed) throw new GatewayUnavailableError('the node is shutting down')
    let out = await this.once(req, auth)
    if (out.err === Err.SESSIONEXPIRED) {
      // the session expired (Redis was away longer than its timeout): a new one, same request
      this.session = undefined
      out = await this.once(req, auth)
    }
    return out
  }

  /** Closes the internal session (shutdown); bounded by the caller. */
  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.keepAlive)
    const pending = this.session
    this.session = undefined
    if (pending === undefined) return
    const id = await pending.catch(() => undefined)
    if (id === undefined) return
    await this.opts.backend.closeSession({ session: id, now: Date.now(), auth: [] }, this.nextXid(), 0, 0)
  }

  private async beat (): Promise<void> {
    const pending = this.session
    if (pending === undefined) return
    const id = await pending.catch(() => undefined)
    if (id !== undefined) this.opts.heartbeats.beat(id)
  }

  private async once (req: Request, auth: readonly Id[]): Promise<Outcome> {
    const session = await this.ensureSession()
    this.opts.heartbeats.beat(session)
    try {
      // The REST session holds no watches: there are never events to deliver or acknowledge.
      const { outcome } = await this.opts.backend.exec({ session, now: Date.now(), auth: [...auth] }, req, this.nextXid(), 0, 0)
      return outcome
    } catch (err) {
      // --redis-wait-replicas: the change ran on the primary; a retry might apply it twice
      if (err instanceof ReplicaAckError) throw new GatewayUnavailableError(`the change was not confirmed by the Redis replicas, its outcome is unknown: ${err.message}`)
      throw new GatewayUnavailableError(`Redis did not answer: ${(err as Error).message}`)
    }
  }

  private nextXid (): number {
    if (this.xid >= MAX_XID) {
      this.xid = 0
      this.session = undefined
    }
    return ++this.xid
  }

  private ensureSession (): Promise<SessionId> {
    // one creation in flight however many requests wait for it
    this.session ??= this.create()
    return this.session
  }

  private async create (): Promise<SessionId> {
    try {
      const { id } = await this.opts.backend.createSession(this.opts.timeout, randomBytes(16).toString('hex'), Date.now(), this.owner)
      this.xid = 0
      this.opts.log.debug({ session: `0x${id.toString(16)}` }, 'REST session created')
      return id
    } catch (err) {
      this.session = undefined
      throw new GatewayUnavailableError(`cannot create the REST session in Redis: ${(err as Error).message}`)
    }
  }
}
