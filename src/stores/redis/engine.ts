// The engine, running inside Redis: a thin ioredis client for the redkeeper
// Function library (scripts/build-lua.js). Each method is ONE FCALL, i.e. one
// atomic engine call; Redis serialises them, so any number of stateless
// nodes may share one namespace.
//
// Requests are prepared here (src/engine/prepare.ts decides path and ACL-id
// validity on JavaScript strings) and sent as MessagePack; byte data travels
// as MessagePack str. The only key passed in KEYS is the hash-tagged
// namespace "{ns}": every key the library touches starts with it, so they all
// live in one Redis Cluster slot (see docs/architecture.md).

import { Redis, type RedisOptions } from 'ioredis'
import { prepareRequest } from '../../engine/prepare'
import type { Context, OpResult, Outcome, Request, SessionId, ZNode, Zxid } from '../../engine/types'
import { OpCode } from '../../engine/codes'
import { BadNamespaceError, RedisEngineError } from './errors'
import { libraryVersion, readLibrary } from './library'
import { decode, encode } from './msgpack'

export interface RedisEngineOptions {
  /** key namespace; keys are "{namespace}:..." (default "rk") */
  namespace?: string
  /** Lua library source (default: dist/lua/redkeeper.lua, see library.ts) */
  library?: string
  /** zookeeper.extendedTypesEnabled: TTL nodes */
  extendedTypes?: boolean
  /** passed to ioredis as is (e.g. enableAutoPipelining) */
  redis?: RedisOptions
}

export type ExpireOutcome = Outcome & { expired: SessionId[] }

const NAMESPACE = /^[^{}\s]{1,64}$/

// Lua has no null: a getData whose znode holds null data comes back without
// the member, which is exactly how we recognise it.
function fixData(body: { data?: unknown } | undefined): void {
  if (body !== undefined && body.data === undefined) body.data = null
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

export class RedisEngine {
  /** the one key passed to every FCALL: "{namespace}" */
  readonly key: string
  readonly redis: Redis
  private readonly extended: string

  private constructor(redis: Redis, key: string, extendedTypes: boolean) {
    this.redis = redis
    this.key = key
    this.extended = extendedTypes ? '1' : '0'
  }

  /** Connects and makes sure the library in Redis is this build (FUNCTION LOAD REPLACE if not). */
  static async connect(url: string, opts: RedisEngineOptions = {}): Promise<RedisEngine> {
    const ns = opts.namespace ?? 'rk'
    if (!NAMESPACE.test(ns)) throw new BadNamespaceError(ns)
    const source = opts.library ?? readLibrary()
    const version = libraryVersion(source)
    const redis = new Redis(url, { lazyConnect: true, ...opts.redis })
    try {
      await redis.connect()
      let loaded: unknown
      try {
        loaded = await redis.call('FCALL', 'rk_version', 0)
      } catch {
        loaded = undefined // no library yet
      }
      if (loaded !== version) await redis.call('FUNCTION', 'LOAD', 'REPLACE', source)
    } catch (err) {
      redis.disconnect()
      throw new RedisEngineError('connect', (err as Error).message, { cause: err })
    }
    return new RedisEngine(redis, `{${ns}}`, opts.extendedTypes === true)
  }

  private async fcall(fn: string, args: (string | Buffer)[]): Promise<Buffer> {
    let reply: unknown
    try {
      reply = await this.redis.callBuffer('FCALL', fn, 1, this.key, ...args)
    } catch (err) {
      throw new RedisEngineError(fn, (err as Error).message, { cause: err })
    }
    if (!Buffer.isBuffer(reply)) throw new RedisEngineError(fn, 'unexpected reply type')
    return reply
  }

  private async fcallNumber(fn: string, args: string[]): Promise<number> {
    try {
      return (await this.redis.call('FCALL', fn, 1, this.key, ...args)) as number
    } catch (err) {
      throw new RedisEngineError(fn, (err as Error).message, { cause: err })
    }
  }

  /** Creates ZooKeeper's initial tree if the namespace is empty; returns the last zxid. */
  async init(): Promise<Zxid> {
    return decode(await this.fcall('rk_init', [])) as Zxid
  }

  /** ZooKeeper's createSession txn (consumes a zxid); the deadline starts at now + timeout. */
  async createSession(id: SessionId, timeout: number, passwdHex: string, now: number): Promise<Outcome> {
    return decode(await this.fcall('rk_session_create', [String(id), String(timeout), passwdHex, String(now)])) as Outcome
  }

  async checkSession(id: SessionId, passwdHex: string): Promise<boolean> {
    return (await this.fcallNumber('rk_session_check', [String(id), passwdHex])) === 1
  }

  /** Pushes the session's deadline out (pings); false if the session is gone. */
  async touchSession(id: SessionId, now: number): Promise<boolean> {
    return (await this.fcallNumber('rk_session_touch', [String(id), String(now)])) === 1
  }

  /** One ZooKeeper request for ctx.session (also touches the session). */
  async execute(ctx: Context, req: Request): Promise<Outcome> {
    const prepared = prepareRequest(req)
    const reply = await this.fcall('rk_exec', [encode(ctx), encode(prepared), this.extended])
    return normalise(decode(reply) as Outcome, req.type)
  }

  async closeSession(ctx: Context): Promise<Outcome> {
    return decode(await this.fcall('rk_session_close', [encode(ctx)])) as Outcome
  }

  /** Closes every session whose deadline is at or before now. */
  async expire(now: number): Promise<ExpireOutcome> {
    return decode(await this.fcall('rk_expire', [String(now)])) as ExpireOutcome
  }

  /** Reads one znode as the engine sees it (inspection and tests). */
  async getNode(path: string): Promise<ZNode | undefined> {
    const n = decode(await this.fcall('rk_node', [path])) as ZNode | null
    if (n === null) return undefined
    fixData(n)
    return n
  }

  async getZxid(): Promise<Zxid> {
    const v = await this.redis.get(`${this.key}:zxid`)
    return v === null ? 0 : Number(v)
  }

  async close(): Promise<void> {
    await this.redis.quit()
  }
}
