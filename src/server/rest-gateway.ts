// The REST API's way into the embedded store (src/api/gateway.ts): requests
// run through the same engine call and store transaction as a ZooKeeper
// client's (dispatch.ts), as one internal session of this process, and are
// answered only once their log record is durable.

import { randomBytes } from 'node:crypto'
import { closeSession, createSession, execute } from '../engine'
import { Err } from '../engine/codes'
import type { Id, Outcome, Request, SessionId } from '../engine/types'
import { GatewayUnavailableError, type ZkGateway } from '../api/gateway'
import type { Hub } from './hub'

export class EmbeddedRestGateway implements ZkGateway {
  readonly maxBuffer: number
  private session: SessionId | undefined
  private readonly timeout: number
  private readonly keepAlive: NodeJS.Timeout
  private closed = false

  constructor (private readonly hub: Hub) {
    this.maxBuffer = hub.limits.maxBuffer
    // the longest timeout allowed: a REST session has no client to reconnect it
    this.timeout = hub.limits.maxSessionTimeout
    // Idle REST still keeps its session: touching is a memory write, no log record.
    this.keepAlive = setInterval(() => this.touch(), Math.max(1, Math.floor(this.timeout / 3)))
    this.keepAlive.unref()
  }

  async run (req: Request, auth: readonly Id[]): Promise<Outcome> {
    if (this.closed) throw new GatewayUnavailableError('the server is shutting down')
    let out = await this.once(req, auth)
    if (out.err === Err.SESSIONEXPIRED) {
      // expired anyway (a long stall): a fresh session, same request
      this.session = undefined
      out = await this.once(req, auth)
    }
    return out
  }

  /** Closes the internal session (on shutdown, before the store closes). */
  close (): void {
    this.closed = true
    clearInterval(this.keepAlive)
    const id = this.session
    if (id === undefined) return
    this.session = undefined
    try {
      const { result } = this.hub.store.transact(() => closeSession(this.hub.store, { session: id, now: Date.now(), auth: [] }))
      this.hub.deliver(result.events)
    } catch (err) {
      this.hub.log.warn({ err }, 'could not close the REST session')
    }
  }

  private touch (): void {
    if (this.session !== undefined) this.hub.store.touchSession(this.session, Date.now())
  }

  private once (req: Request, auth: readonly Id[]): Promise<Outcome> {
    const { store } = this.hub
    const now = Date.now()
    let done: { result: Outcome, seq: number }
    try {
      const session = this.ensureSession(now)
      store.touchSession(session, now)
      done = store.transact(() => execute(store, { session, now, auth: [...auth] }, req))
    } catch (err) {
      return Promise.reject(this.failure(err))
    }
    this.hub.deliver(done.result.events)
    // a read waits too: it must not show a state a crash could take back
    const seq = done.seq === 0 ? store.appliedSeq : done.seq
    return store.whenDurable(seq).then(() => ({ ...done.result, events: [] }), (err: unknown) => { throw this.failure(err) })
  }

  private ensureSession (now: number): SessionId {
    const { store, ids } = this.hub
    if (this.session !== undefined && store.getSession(this.session) !== undefined) return this.session
    const id = ids.next((candidate) => store.getSession(candidate) !== undefined, now)
    const { result } = store.transact(() => createSession(store, now, id, this.timeout, randomBytes(16).toString('hex')))
    this.hub.deliver(result.events)
    this.session = id
    this.hub.log.debug({ session: `0x${id.toString(16)}` }, 'REST session created')
    return id
  }

  private failure (err: unknown): Error {
    if (err instanceof Error && err.name === 'StoreStateError') {
      this.hub.fatal(err)
      return new GatewayUnavailableError(`the store cannot serve: ${err.message}`)
    }
    if (err instanceof GatewayUnavailableError) return err
    return err instanceof Error ? err : new Error(String(err))
  }
}
