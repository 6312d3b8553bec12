// Helpers for the tests of the distributed machinery (queued events,
// replays, owners, batched touches, notices): a real redis-server per test
// file, one fresh namespace per test, sessions that number their own xids.
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { OpCode, type ACL, type Context, type Data, type Request, type SessionId } from '../../../src/engine'
import { RedisEngine, type ExecResult, type Notice } from '../../../src/stores/redis'
import { buildLibrary } from './lib'
import { startRedis, type RedisHandle } from './redis-server'

export const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
/** a realistic clock: session ids are now × 2048 */
export const T = Date.now()

export interface World {
  redis: RedisHandle
  library: string
  /** a plain client for looking at keys */
  raw: Redis
  /** a new namespace name, unique in this process */
  namespace(): string
  /** an engine on `ns` (closed at the end of test t), library loaded, tree initialised */
  engine(t: Test, ns?: string): Promise<RedisEngine>
  stop(): Promise<void>
}

let counter = 0

export async function world(): Promise<World> {
  const library = buildLibrary()
  const redis = await startRedis()
  const raw = new Redis(redis.url)
  const namespace = () => `d${process.pid}-${counter++}`
  return {
    redis,
    library,
    raw,
    namespace,
    async engine(t, ns = namespace()) {
      const e = await RedisEngine.connect(redis.url, { namespace: ns, library })
      t.teardown(() => e.close())
      await e.init()
      return e
    },
    async stop() {
      raw.disconnect()
      await redis.stop()
    },
  }
}

/** A session as a node serves it: its context and its next xid. */
export interface Session {
  id: SessionId
  ctx: Context
  xid: number
}

export async function session(e: RedisEngine, owner = 'conn-1', timeout = 30000, now = T): Promise<Session> {
  const { id, outcome } = await e.createSession(timeout, 'aa', now, owner)
  if (outcome.err !== 0) throw new Error(`createSession failed: ${outcome.err}`)
  return { id, ctx: { session: id, now, auth: [] }, xid: 1 }
}

/** One request with the session's next xid. */
export function call(e: RedisEngine, s: Session, req: Request, deliveredSeq = 0, ackSeq = 0): Promise<ExecResult> {
  return e.exec(s.ctx, req, s.xid++, deliveredSeq, ackSeq)
}

export const bytes = (s: string): Buffer => Buffer.from(s)

export function create(path: string, flags = 0, data: Data = bytes('x')): Request {
  return { type: OpCode.create, path, data, dataLength: data === null ? 0 : data.length, acl: OPEN, flags }
}
export function getData(path: string, watch = false): Request {
  return { type: OpCode.getData, path, watch }
}
export function exists(path: string, watch = false): Request {
  return { type: OpCode.exists, path, watch }
}
export function getChildren(path: string, watch = false): Request {
  return { type: OpCode.getChildren, path, watch }
}
export function setData(path: string, data: string, version = -1): Request {
  return { type: OpCode.setData, path, data: bytes(data), dataLength: data.length, version }
}
export function remove(path: string, version = -1): Request {
  return { type: OpCode.delete, path, version }
}

export const byNumber = (a: number, b: number): number => a - b

/**
 * Collects the notices of one subscription. `next` waits for the next one
 * matching; the bound only turns a lost notice into a clear failure instead
 * of tap's timeout (nothing here asserts on time).
 */
export class Notices {
  readonly all: Notice[] = []
  readonly errors: Error[] = []
  reconnects = 0
  private seen = 0
  private wake: (() => void) | undefined

  push(n: Notice): void {
    this.all.push(n)
    this.wake?.()
  }

  note(): void {
    this.wake?.()
  }

  /** the next notice (after those already taken) that matches */
  async next(match: (n: Notice) => boolean, what: string, boundMs = 10_000): Promise<Notice> {
    const deadline = Date.now() + boundMs
    for (;;) {
      while (this.seen < this.all.length) {
        const n = this.all[this.seen++]
        if (match(n)) return n
      }
      if (Date.now() > deadline) throw new Error(`no notice ${what} within ${boundMs} ms; got ${JSON.stringify(this.all)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100)
        this.wake = () => { clearTimeout(timer); resolve() }
      })
      this.wake = undefined
    }
  }

  /** waits until cond() holds (driven by notices, errors and reconnects) */
  async until(cond: () => boolean, what: string, boundMs = 10_000): Promise<void> {
    const deadline = Date.now() + boundMs
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${boundMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100)
        this.wake = () => { clearTimeout(timer); resolve() }
      })
      this.wake = undefined
    }
  }
}

export async function listen(t: Test, e: RedisEngine): Promise<Notices> {
  const n = new Notices()
  const stop = await e.subscribe((x) => n.push(x), {
    onError: (err) => { n.errors.push(err); n.note() },
    onReconnect: () => { n.reconnects++; n.note() },
  })
  t.teardown(stop)
  return n
}

/** What rk_stats counts as things change, recomputed the slow way: a SCAN over every znode and ephemeral set. */
export async function scanCounts(raw: Redis, key: string): Promise<{ ephemeralCount: number, approximateDataSize: number }> {
  let approximateDataSize = 0
  let ephemeralCount = 0
  const nodePrefix = `${key}:n:`
  for await (const keys of raw.scanStream({ match: `${key}:n:*`, count: 500 }) as AsyncIterable<string[]>) {
    for (const k of keys) approximateDataSize += Buffer.byteLength(k.slice(nodePrefix.length)) + await raw.hstrlen(k, 'd')
  }
  for await (const keys of raw.scanStream({ match: `${key}:e:*`, count: 500 }) as AsyncIterable<string[]>) {
    for (const k of keys) ephemeralCount += await raw.scard(k)
  }
  return { ephemeralCount, approximateDataSize }
}
