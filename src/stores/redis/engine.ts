// The engine, running inside Redis: a thin ioredis client for the redkeeper
// Function library (scripts/build-lua.js). Each method is ONE FCALL, i.e. one
// atomic engine call; Redis serialises them, so any number of stateless
// nodes may share one namespace.
//
// Two APIs over the same keys:
// - stateless nodes (createSession, attachSession, exec, closeSession,
//   pollEvents, touch, expire, detach, subscribe): watch events go to
//   per-session queues in Redis and come back with the session's next call;
//   writes are recorded per (session, xid) so a re-sent request is answered,
//   not applied again; notices on pub/sub tell nodes what to poll.
// - single caller (createSessionWithId, execute, closeSessionDirect,
//   expireDirect): the events a call fires come back in its Outcome and the
//   caller delivers them (the shared engine cases, tools).
//
// Requests are prepared here (src/engine/prepare.ts decides path and ACL-id
// validity on JavaScript strings) and sent as MessagePack; byte data travels
// as MessagePack str. The only key passed in KEYS is the hash-tagged
// namespace "{ns}": every key the library touches starts with it, so they all
// live in one Redis Cluster slot (see docs/architecture.md).

import { createRedis } from './url'
import { Redis, type RedisOptions } from 'ioredis'
import { prepareRequest } from '../../engine/prepare'
import type { Context, Id, OpResult, Outcome, Request, SessionId, WatchEvent, ZNode, Zxid } from '../../engine/types'
import { OpCode, type EventType } from '../../engine/codes'
import { BadNamespaceError, RedisEngineError } from './errors'
import { libraryVersion, readLibrary } from './library'
import { checkStoreFormat, functionName, markLibraryInUse, pruneLibraries } from './libraries'
import { decode, encode } from './msgpack'
import { subscribeNotices, type Notice, type SubscribeOptions } from './subscriber'
import { RedisInspector } from './inspect'
import { holdUntilTurnEnd } from '../../server/cork'
import { Fcaller, type FcallArg } from './fcall'

/** Which try of which sidecar link an attach is: a link's attempts are numbered in the order it made them. */
export interface AttachAttempt {
  /** the link id, hex */
  link: string
  attempt: number
}

export interface RedisEngineOptions {
  /** key namespace; keys are "{namespace}:..." (default "rk") */
  namespace?: string
  /** Lua library source (default: dist/lua/redkeeper.lua, see library.ts) */
  library?: string
  /** zookeeper.extendedTypesEnabled: TTL nodes */
  extendedTypes?: boolean
  /** zookeeper.enforceQuota: hard quota limits refuse writes */
  enforceQuota?: boolean
  /** passed to ioredis as is (e.g. enableAutoPipelining) */
  redis?: RedisOptions
}

export type ExpireOutcome = Outcome & { expired: SessionId[] }

/** engine/sweep.ts's SweepResult as rk_sweep returns it. */
export interface SweepOutcome {
  deleted: string[]
  events: WatchEvent[]
  zxid: Zxid
  remaining: number
}

/** A watch event waiting in its session's queue; seq grows per session and is never reused. */
export interface QueuedEvent {
  seq: number
  type: EventType
  path: string
}

/** A request's result: its Outcome (events empty: they are queued) and the caller's undelivered events, to send first. */
export interface ExecResult {
  outcome: Outcome
  events: QueuedEvent[]
}

export interface RedisStats {
  zxid: Zxid
  nodeCount: number
  sessionCount: number
  watchCount: number
  /** ephemeral znodes */
  ephemeralCount: number
  /** bytes of paths and data (ZooKeeper's approximateDataSize) */
  approximateDataSize: number
}

/** The container/TTL sweep's knobs (engine/sweep.ts); extendedTypes comes from the engine's options. */
export interface SweepRequest {
  /** deletions allowed in this sweep (the rate limit's share) */
  limit: number
  /** znode.container.maxNeverUsedIntervalMs; 0: never */
  maxNeverUsedMs?: number
}

/** Deletions per rk_sweep call, so that one call never holds Redis for long. */
const SWEEP_BATCH = 1000

/** Sessions closed per rk_reap call, so that one call never holds Redis for long. */
const REAP_BATCH = 1000

const NAMESPACE = /^[^{}\s]{1,64}$/

/** Redis's answer to an FCALL of a function no library registers. */
const FUNCTION_GONE = /Function not found/i

// Lua has no null: a getData whose znode holds null data comes back without
// the member, which is exactly how we recognise it.
function fixData(body: { data?: unknown } | undefined): void {
  if (body !== undefined && body.data === undefined) body.data = null
}

function queued(v: unknown): QueuedEvent[] {
  const list = v as [number, EventType, string][]
  const out = new Array<QueuedEvent>(list.length)
  for (let i = 0; i < list.length; i++) {
    const [seq, type, path] = list[i]
    out[i] = { seq, type, path }
  }
  return out
}

function normalise(out: Outcome, type: number): Outcome {
  const body = out.body
  if (body === undefined) return out
  if (type === OpCode.getData) fixData(body)
  else if ((type === OpCode.multi || type === OpCode.multiRead) && body.results !== undefined) {
    for (const r of body.results as OpResult[]) if (r.type === OpCode.getData) fixData(r)
  }
  return out
}

// Lua cannot tell an empty array from an empty map: either may come back for "none".
function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? v as T[] : []
}

function asBuffer(fn: string, reply: unknown): Buffer {
  if (!Buffer.isBuffer(reply)) throw new RedisEngineError(fn, 'unexpected reply type')
  return reply
}

function sweepOutcome(v: unknown): SweepOutcome {
  const o = v as SweepOutcome
  return { deleted: list<string>(o.deleted), events: list<WatchEvent>(o.events), zxid: o.zxid, remaining: o.remaining }
}

/** Told of every FCALL's round trip (seconds) once it settles; failed: Redis answered with an error or not at all. */
export type FcallObserver = (fn: string, seconds: number, failed: boolean) => void

export class RedisEngine {
  /** the one key passed to every FCALL: "{namespace}" */
  readonly key: string
  readonly redis: Redis
  /** the FCALL path (fcall.ts) over `redis` */
  private readonly caller: Fcaller
  private readonly extended: string
  /** metrics hook (the node's /metrics); unset: nothing is timed */
  observer: FcallObserver | undefined

  /** this build's library version: its FCALL names carry it (libraries.ts) */
  readonly version: string
  private readonly source: string
  /** base name (rk_request) → this build's FCALL name (rk_request_<version>) */
  private readonly names = new Map<string, string>()

  private constructor(redis: Redis, key: string, source: string, extendedTypes: boolean, enforceQuota: boolean) {
    this.redis = redis
    this.key = key
    this.caller = new Fcaller(redis, key)
    this.source = source
    this.version = libraryVersion(source)
    // the engine options bitmask of lua/args.ts: 1 extended types, 2 enforce quota
    this.extended = String((extendedTypes ? 1 : 0) + (enforceQuota ? 2 : 0))
  }

  /**
   * Connects, makes sure this build's library is loaded (its own, beside
   * other builds' during a rolling upgrade: libraries.ts) and that the
   * namespace's data format is the one this build reads.
   */
  static async connect(url: string, opts: RedisEngineOptions = {}): Promise<RedisEngine> {
    const ns = opts.namespace ?? 'rk'
    if (!NAMESPACE.test(ns)) throw new BadNamespaceError(ns)
    const source = opts.library ?? readLibrary()
    libraryVersion(source)
    const redis = createRedis(url, { lazyConnect: true, ...opts.redis })
    const engine = new RedisEngine(redis, `{${ns}}`, source, opts.extendedTypes === true, opts.enforceQuota === true)
    try {
      await redis.connect()
      // named before it is loaded: a prune by another node never sees it loaded and unnamed.
      // Best effort (a Redis ACL may not grant the key): a library pruned anyway is loaded again on use.
      await markLibraryInUse(redis, engine.version, Date.now()).catch(() => {})
      if (!await engine.libraryLoaded()) await engine.loadLibrary()
    } catch (err) {
      redis.disconnect()
      throw new RedisEngineError('connect', (err as Error).message, { cause: err })
    }
    try {
      await checkStoreFormat(redis, engine.key)
    } catch (err) {
      redis.disconnect()
      throw err
    }
    return engine
  }

  /** true if Redis holds this build's library (a node's readiness). */
  async libraryLoaded(): Promise<boolean> {
    try {
      return (await this.redis.call('FCALL', this.fn('rk_version'), 0)) === this.version
    } catch {
      return false
    }
  }

  /** FUNCTION LOAD of this build (REPLACE: two nodes of one build may race to load it). */
  async loadLibrary(): Promise<void> {
    await this.redis.call('FUNCTION', 'LOAD', 'REPLACE', this.source)
  }

  /** Tells the other builds' nodes that this build is still in use (libraries.ts). */
  async markLibrary(now: number): Promise<void> {
    await markLibraryInUse(this.redis, this.version, now)
  }

  /** Deletes the other builds' libraries no node has named for a while; returns their names. */
  async pruneLibraries(now: number): Promise<string[]> {
    return await pruneLibraries(this.redis, this.version, now)
  }

  /** This build's FCALL name for `base`. */
  private fn(base: string): string {
    let name = this.names.get(base)
    if (name === undefined) {
      name = functionName(base, this.version)
      this.names.set(base, name)
    }
    return name
  }

  /**
   * Every FCALL issued in one event-loop turn (by all the node's
   * connections) leaves in one write (server/cork.ts): fewer syscalls here,
   * and Redis reads them in one go. Offline, ioredis queues commands itself.
   */
  private batch(): void {
    if (this.redis.status === 'ready') holdUntilTurnEnd(this.redis.stream)
  }

  /**
   * Runs one FCALL and hands its reply to `parse`, in one promise step (this
   * is every node request's path: no async wrappers). If Redis no longer has
   * this build's functions (pruned while this node was paused, or FUNCTION
   * FLUSH), loads the library again and retries once: the call never ran, so
   * running it now is not a replay.
   */
  private send<T>(base: string, args: FcallArg[], parse: (reply: unknown) => T): Promise<T> {
    const name = this.fn(base)
    const t0 = this.observer === undefined ? 0 : performance.now()
    this.batch()
    return this.caller.call(name, args).then(
      (reply) => {
        this.observed(base, t0, false)
        return parse(reply)
      },
      async (err: Error) => {
        let reply: unknown
        try {
          if (!FUNCTION_GONE.test(err.message)) throw err
          await this.loadLibrary()
          await this.markLibrary(Date.now())
          reply = await this.caller.call(name, args)
        } catch (e) {
          this.observed(base, t0, true)
          throw new RedisEngineError(base, (e as Error).message, { cause: e })
        }
        this.observed(base, t0, false)
        return parse(reply)
      }
    )
  }

  private fcall(fn: string, args: FcallArg[]): Promise<Buffer> {
    return this.send(fn, args, (reply) => asBuffer(fn, reply))
  }

  private fcallNumber(fn: string, args: FcallArg[]): Promise<number> {
    return this.send(fn, args, (reply) => reply as number)
  }

  private observed(fn: string, t0: number, failed: boolean): void {
    if (this.observer !== undefined) this.observer(fn, (performance.now() - t0) / 1000, failed)
  }

  /** Creates ZooKeeper's initial tree if the namespace is empty; returns the last zxid. */
  async init(): Promise<Zxid> {
    return decode(await this.fcall('rk_init', [])) as Zxid
  }

  // ---- stateless nodes ----

  /**
   * ZooKeeper's createSession txn with an id allocated in Redis: max(now ×
   * 2048, last + 1), unique forever in the namespace and below 2^53. The
   * session is owned by connection `owner`; its deadline is now + timeout.
   */
  async createSession(timeout: number, passwdHex: string, now: number, owner: string): Promise<{ id: SessionId; outcome: Outcome }> {
    const [id, outcome] = decode(await this.fcall('rk_session_new', [String(timeout), passwdHex, String(now), owner])) as [SessionId, Outcome]
    return { id, outcome }
  }

  /**
   * Attaches the session to connection `owner` (publishes 'moved', so the
   * previous owner lets go) and refreshes its deadline. dropWatches is for a
   * client-level reconnect (CONNECT): the old connection's watches,
   * undelivered events and recorded outcomes go. ok is false when the session
   * is gone or the password is wrong. With `attempt` (a sidecar link and its
   * attempt number), an attempt older than one of the same link that already
   * attached is refused (superseded: true, nothing changed): it ran late,
   * after the sidecar had moved on (lua/sessions.ts).
   */
  async attachSession(id: SessionId, passwdHex: string, now: number, owner: string, dropWatches: boolean, attempt?: AttachAttempt): Promise<{ ok: boolean; timeout: number; superseded?: boolean }> {
    const args = [String(id), passwdHex, String(now), owner, dropWatches ? '1' : '0']
    if (attempt !== undefined) args.push(attempt.link, String(attempt.attempt))
    const t = await this.fcallNumber('rk_session_attach', args)
    if (t === -2) return { ok: false, timeout: 0, superseded: true }
    return t < 0 ? { ok: false, timeout: 0 } : { ok: true, timeout: t }
  }

  /**
   * One request for ctx.session: forgets its events up to ackSeq; answers a
   * state-changing request whose xid has a recorded outcome with that outcome
   * (a replay) instead of running it; queues the events it fires; returns its
   * outcome and the caller's events after deliveredSeq (send those first).
   * Does not push the deadline out: heartbeats are batched (touch).
   */
  exec(ctx: Context, req: Request, xid: number, deliveredSeq: number, ackSeq: number, owner?: string): Promise<ExecResult> {
    let args: FcallArg[]
    try {
      const prepared = prepareRequest(req)
      args = [encode(ctx), encode(prepared), String(xid), String(deliveredSeq), String(ackSeq), this.extended]
    } catch (err) {
      return Promise.reject(err)
    }
    // owner: the connection that must still hold the session (fencing, lua/requests.ts)
    if (owner !== undefined) args.push(owner)
    return this.send('rk_request', args, (reply) => {
      const [outcome, events] = decode(asBuffer('rk_request', reply)) as [Outcome, unknown]
      return { outcome: normalise(outcome, req.type), events: queued(events) }
    })
  }

  /**
   * closeSession as a request (replay-safe: a re-sent xid gets the recorded
   * outcome for a while after the session is gone). Removes the session's
   * queue, records, owner and deadline; publishes 'expired'.
   */
  async closeSession(ctx: Context, xid: number, deliveredSeq: number, ackSeq: number, owner?: string): Promise<ExecResult> {
    const args = [encode(ctx), String(xid), String(deliveredSeq), String(ackSeq)]
    if (owner !== undefined) args.push(owner)
    const reply = await this.fcall('rk_session_close_q', args)
    const [outcome, events] = decode(reply) as [Outcome, unknown]
    return { outcome, events: queued(events) }
  }

  /** The session's queued events after deliveredSeq (in seq order), after forgetting those up to ackSeq. */
  async pollEvents(session: SessionId, deliveredSeq: number, ackSeq: number): Promise<QueuedEvent[]> {
    return queued(decode(await this.fcall('rk_poll', [String(session), String(deliveredSeq), String(ackSeq)])))
  }

  /** Batched heartbeats, one FCALL: deadline := now + timeout for each live session; returns those that no longer exist. */
  async touch(beats: ReadonlyArray<readonly [SessionId, number]>): Promise<SessionId[]> {
    if (beats.length === 0) return []
    const args = new Array<string>(beats.length * 2)
    for (let i = 0; i < beats.length; i++) {
      args[2 * i] = String(beats[i][0])
      args[2 * i + 1] = String(beats[i][1])
    }
    return decode(await this.fcall('rk_session_touch_many', args)) as SessionId[]
  }

  /**
   * Closes every session whose deadline is at or before now (the engine's
   * expiry: ephemerals deleted, watches fired and queued), publishing
   * 'events' and 'expired'. Safe to call from every node at once: each
   * session is expired by exactly one call.
   */
  /**
   * cadenceMs: how often this caller reaps. Given, a gap in reaping of more
   * than twice that (every node down, or Redis) is given back to every
   * session's deadline first (lua/sessions.ts, resumeAfterOutage).
   */
  async expire(now: number, cadenceMs = 0): Promise<{ expired: SessionId[] }> {
    const expired: SessionId[] = []
    for (;;) {
      const batch = decode(await this.fcall('rk_reap', [String(now), String(REAP_BATCH), String(cadenceMs)])) as SessionId[]
      for (const id of batch) expired.push(id)
      if (batch.length < REAP_BATCH) return { expired }
    }
  }

  /**
   * The earliest session deadline (epoch ms; undefined: no session). A plain
   * read of one sorted-set entry, no FCALL and nothing written: how a node
   * learns between reaps whether one is due (ticker.ts).
   */
  async nextDeadline(): Promise<number | undefined> {
    this.batch()
    const r = await this.redis.zrange(`${this.key}:deadlines`, '0', '0', 'WITHSCORES')
    return r.length < 2 ? undefined : Number(r[1])
  }

  /**
   * The container/TTL sweep for stateless nodes: deletes up to req.limit
   * swept znodes (one deleteContainer txn each), queueing their watch events
   * with a notice. Safe from every node at once. Returns the deleted paths
   * and how many candidates the limit left for later.
   */
  async sweep(now: number, req: SweepRequest): Promise<{ deleted: string[], remaining: number }> {
    const deleted: string[] = []
    let left = req.limit
    for (;;) {
      const batch = Math.min(left, SWEEP_BATCH)
      const out = sweepOutcome(decode(await this.fcall('rk_sweep', [String(now), String(batch), this.extended, String(req.maxNeverUsedMs ?? 0), '1'])))
      for (const p of out.deleted) deleted.push(p)
      left -= out.deleted.length
      if (out.remaining === 0 || left <= 0 || out.deleted.length < batch) return { deleted, remaining: out.remaining }
    }
  }

  /**
   * The client's connection ended without closeSession: if `owner` still
   * holds the session, drop its watches (and undelivered events and records)
   * and clear the owner; the session lives until it expires or is resumed.
   * A detach from a connection that no longer owns the session does nothing.
   */
  async detach(session: SessionId, owner: string): Promise<void> {
    await this.fcallNumber('rk_session_detach', [String(session), owner])
  }

  /**
   * Keeps the identities connection `owner` (link `link`) holds, with its
   * session (src/stores/redis/lua/identity.ts); false if owner no longer
   * holds the session. Replaces what was kept, for whichever link.
   */
  async saveIdentities(session: SessionId, owner: string, link: Buffer, ids: readonly Id[]): Promise<boolean> {
    const blob = encode(ids.map((i) => [i.scheme, i.id]))
    return (await this.fcallNumber('rk_ident_save', [String(session), owner, link, blob])) === 1
  }

  /**
   * The identities kept for link `link` of the session, once `owner` holds
   * it (attachSession); undefined if owner does not hold it or none are kept
   * for that link (a new connection, or a node that kept none).
   */
  async restoreIdentities(session: SessionId, owner: string, link: Buffer): Promise<Id[] | undefined> {
    const reply = await this.fcall('rk_ident_restore', [String(session), owner, link])
    if (reply.length === 0 || reply[0] !== 0x31) return undefined
    const list = decode(reply.subarray(1))
    if (!Array.isArray(list)) throw new RedisEngineError('rk_ident_restore', 'kept identities are not a list')
    return list.map((pair: unknown) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new RedisEngineError('rk_ident_restore', 'a kept identity is not [scheme, id]')
      }
      return { scheme: pair[0], id: pair[1] }
    })
  }

  /**
   * From now on a call on the main connection unanswered for `ms` fails
   * (ioredis commandTimeout, read as each command is sent). The notice
   * subscriber never has one (see subscribe).
   */
  setCommandTimeout(ms: number): void {
    this.redis.options.commandTimeout = ms
  }

  /** Listens to the namespace's notices on a connection of its own; resolves once subscribed, to the unsubscribe. */
  async subscribe(onNotice: (n: Notice) => void, opts: SubscribeOptions = {}): Promise<() => Promise<void>> {
    // No commandTimeout: SUBSCRIBE is answered once the connection is up,
    // which on a loaded machine can take longer than a request may; a dead
    // subscriber shows as a closed connection: ioredis reconnects it and
    // subscribeNotices subscribes again.
    const sub = this.redis.duplicate({ lazyConnect: false, autoResubscribe: false, commandTimeout: undefined })
    try {
      return await subscribeNotices(sub, this.key, onNotice, opts)
    } catch (err) {
      sub.disconnect()
      throw new RedisEngineError('subscribe', (err as Error).message, { cause: err })
    }
  }

  /** Read-only views of watches, sessions and ephemerals for the four-letter words (inspect.ts): plain batched reads, no FCALL. */
  inspector(): RedisInspector {
    return new RedisInspector(this.redis, this.key)
  }

  async stats(): Promise<RedisStats> {
    const [zxid, nodeCount, sessionCount, watchCount, ephemeralCount, approximateDataSize] = decode(await this.fcall('rk_stats', [])) as number[]
    return { zxid, nodeCount, sessionCount, watchCount, ephemeralCount, approximateDataSize }
  }

  // ---- single caller: events come back in the Outcome ----

  /** ZooKeeper's createSession txn for a caller-chosen id (consumes a zxid); the deadline starts at now + timeout. */
  async createSessionWithId(id: SessionId, timeout: number, passwdHex: string, now: number): Promise<Outcome> {
    return decode(await this.fcall('rk_session_create', [String(id), String(timeout), passwdHex, String(now)])) as Outcome
  }

  async checkSession(id: SessionId, passwdHex: string): Promise<boolean> {
    return (await this.fcallNumber('rk_session_check', [String(id), passwdHex])) === 1
  }

  /** Pushes the session's deadline out (pings); false if the session is gone. */
  async touchSession(id: SessionId, now: number): Promise<boolean> {
    return (await this.fcallNumber('rk_session_touch', [String(id), String(now)])) === 1
  }

  /** One ZooKeeper request for ctx.session (also touches the session); its events are in the Outcome. */
  async execute(ctx: Context, req: Request): Promise<Outcome> {
    const prepared = prepareRequest(req)
    const reply = await this.fcall('rk_exec', [encode(ctx), encode(prepared), this.extended])
    return normalise(decode(reply) as Outcome, req.type)
  }

  async closeSessionDirect(ctx: Context): Promise<Outcome> {
    return decode(await this.fcall('rk_session_close', [encode(ctx)])) as Outcome
  }

  /** Closes every session whose deadline is at or before now; the events are in the Outcome. */
  async expireDirect(now: number): Promise<ExpireOutcome> {
    return decode(await this.fcall('rk_expire', [String(now)])) as ExpireOutcome
  }

  /** One sweep call whose events come back in the result (single caller). */
  async sweepDirect(now: number, req: SweepRequest): Promise<SweepOutcome> {
    return sweepOutcome(decode(await this.fcall('rk_sweep', [String(now), String(req.limit), this.extended, String(req.maxNeverUsedMs ?? 0), '0'])))
  }

  /** Reads one znode as the engine sees it (inspection and tests). */
  async getNode(path: string): Promise<ZNode | undefined> {
    const n = decode(await this.fcall('rk_node', [path])) as ZNode | null
    if (n === null) return undefined
    fixData(n)
    return n
  }

  async getZxid(): Promise<Zxid> {
    this.batch()
    const v = await this.redis.get(`${this.key}:zxid`)
    return v === null ? 0 : Number(v)
  }

  async close(): Promise<void> {
    await this.redis.quit()
  }
}
