// The two ways of running the one engine that the shared cases compare:
// in-process over the tests' MemoryStorage, and compiled to Lua inside a real
// Redis through FCALL. Both expose the same async surface.
import { MemoryStorage } from '../../engine/memory-storage'
import {
  closeSession, createSession, execute, expireSessions, initTree, checkSession, sweep,
  type Context, type SweepResult, type Outcome, type Request, type SessionId, type ZNode, type Zxid,
} from '../../../src/engine'
import { RedisEngine, type ExpireOutcome } from '../../../src/stores/redis'

export interface EngineTarget {
  name: string
  execute(ctx: Context, req: Request): Promise<Outcome>
  createSession(id: SessionId, timeout: number, passwd: string, now: number): Promise<Outcome>
  checkSession(id: SessionId, passwd: string): Promise<boolean>
  closeSession(ctx: Context): Promise<Outcome>
  expire(now: number): Promise<ExpireOutcome>
  /** one container/TTL sweep (extended types on); its events come back in the result */
  sweep(now: number, limit: number, maxNeverUsedMs?: number): Promise<SweepResult>
  getNode(path: string): Promise<ZNode | undefined>
  getZxid(): Promise<Zxid>
  /** test set-up only: jump the zxid counter (to exercise values near 2^52) */
  setZxid(zxid: Zxid): Promise<void>
  close(): Promise<void>
}

// Both targets run with zookeeper.extendedTypesEnabled, so TTL nodes can be compared.

/** The engine in-process; sessions' deadlines kept the way the Redis store keeps them. */
export function memoryTarget(): EngineTarget {
  const store = new MemoryStorage()
  initTree(store, Buffer.alloc(0))
  const touch = (id: SessionId, now: number) => {
    const s = store.getSession(id)
    if (s !== undefined) store.deadlines.set(id, now + s.timeout)
  }
  return {
    name: 'memory',
    async execute(ctx, req) { touch(ctx.session, ctx.now); return execute(store, ctx, req, { extendedTypes: true }) },
    async createSession(id, timeout, passwd, now) {
      const out = createSession(store, now, id, timeout, passwd)
      store.deadlines.set(id, now + timeout)
      return out
    },
    async checkSession(id, passwd) { return checkSession(store, id, passwd) },
    async closeSession(ctx) { return closeSession(store, ctx) },
    async expire(now) { return expireSessions(store, now) },
    async sweep(now, limit, maxNeverUsedMs) { return sweep(store, now, { limit, extendedTypes: true, maxNeverUsedMs }) },
    async getNode(path) { return store.getNode(path) },
    async getZxid() { return store.getZxid() },
    async setZxid(z) { store.setZxid(z) },
    async close() {},
  }
}

let counter = 0

/** A fresh namespace on a shared redis-server, so cases stay independent. */
export async function redisTarget(url: string, library: string): Promise<EngineTarget> {
  const engine = await RedisEngine.connect(url, { namespace: `case${process.pid}-${counter++}`, library, extendedTypes: true })
  await engine.init()
  return {
    name: 'redis',
    execute: (ctx, req) => engine.execute(ctx, req),
    createSession: (id, timeout, passwd, now) => engine.createSessionWithId(id, timeout, passwd, now),
    checkSession: (id, passwd) => engine.checkSession(id, passwd),
    closeSession: (ctx) => engine.closeSessionDirect(ctx),
    expire: (now) => engine.expireDirect(now),
    sweep: (now, limit, maxNeverUsedMs) => engine.sweepDirect(now, { limit, maxNeverUsedMs }),
    getNode: (path) => engine.getNode(path),
    getZxid: () => engine.getZxid(),
    async setZxid(z) { await engine.redis.set(`${engine.key}:zxid`, String(z)) },
    close: () => engine.close(),
  }
}
