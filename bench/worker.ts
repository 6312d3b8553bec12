// A load worker: a child process (forked by bench/pool.ts) that owns a share
// of the benchmark's ZooKeeper sessions and drives them in a closed loop when
// told to. All latencies are taken here, in the client's process, and go
// back as histograms; nothing is timed inside a server.

import { Redis } from 'ioredis'
import { ZkClient, type Reply as ZkReply, type WatchNotification } from '../src/client'
import { CreateFlag, EventType, OpCode, Perm } from '../src/engine/codes'
import type { Request } from '../src/engine/types'
import { Histogram } from './hist'
import { nowAbs, type Command, type DropResult, type LoadResult, type LoadSpec, type Reply } from './messages'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const CONNECT_CONCURRENCY = 64
/** How long a closeSession may take before the connection is dropped instead (a frozen server answers nothing). */
const CLOSE_GRACE_MS = 5000

/** The znodes each session created under a root, so later phases address existing ones. */
interface RootState { created: number[], cursor: number[] }

let address = ''
let offset = 0
let sessions: ZkClient[] = []
let observer: ZkClient | undefined
const roots = new Map<string, RootState>()
const deleted = new Map<string, number>()
let pendingDeleted = new Set<string>()
let fanPath = ''
let fanArrivals: number[] = []
let rng = 0x9e3779b9 ^ process.pid

/** xorshift32: cheap, seeded per worker; the mix only needs to be uniform. */
function random (): number {
  rng ^= rng << 13; rng ^= rng >>> 17; rng ^= rng << 5
  return (rng >>> 0) / 0x100000000
}

function rootState (root: string): RootState {
  let st = roots.get(root)
  if (st === undefined) {
    st = { created: sessions.map(() => 0), cursor: sessions.map(() => 0) }
    roots.set(root, st)
  }
  return st
}

async function inBatches<T> (items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
}

/** Closes the sessions still open (closeSession, so their ephemerals and server state go), dropping any that do not answer. */
async function retire (clients: ZkClient[]): Promise<void> {
  await inBatches(clients.filter((c) => !c.closed), CONNECT_CONCURRENCY, async (c) => {
    const timer = setTimeout(() => { c.destroy() }, CLOSE_GRACE_MS)
    try {
      await c.close()
    } catch {
      c.destroy()
    } finally {
      clearTimeout(timer)
    }
  })
}

async function connect (cmd: Extract<Command, { op: 'connect' }>): Promise<number> {
  // A connect replaces the worker's sessions: the old ones are closed first,
  // or they would live on in the server (and in this process) until the end.
  const old = sessions
  sessions = []
  await retire(old)
  address = cmd.address
  offset = cmd.offset
  roots.clear()
  const out: ZkClient[] = new Array(cmd.count)
  await inBatches(out, CONNECT_CONCURRENCY, async (_, i) => {
    out[i] = await ZkClient.connect(cmd.address, { timeout: cmd.timeoutMs, connectTimeout: 30_000 })
  })
  sessions = out
  return out.length === 0 ? 0 : out[0].negotiatedTimeout
}

/** One closed loop: every session keeps `inflight` requests outstanding until the deadline (or the work runs out). */
async function load (spec: LoadSpec): Promise<LoadResult> {
  const hist = new Histogram()
  const samples = new Set<string>()
  let errors = 0
  const st = rootState(spec.root)
  const data = Buffer.alloc(spec.size, 0x61)
  const keys = spec.keys ?? 1
  if (spec.kind === 'get' || spec.kind === 'set' || spec.kind === 'exists' || spec.kind === 'delete') st.cursor.fill(0)

  const timed = async (c: ZkClient, req: Request, expectErr = 0): Promise<void> => {
    const t0 = performance.now()
    let r: ZkReply
    try {
      r = await c.request(req)
    } catch (e) {
      errors++
      if (samples.size < 5) samples.add(`${OpCode[req.type]}: ${(e as Error).message}`)
      return
    }
    hist.recordMs(performance.now() - t0)
    if (r.err !== expectErr) {
      errors++
      if (samples.size < 5) samples.add(`${OpCode[req.type]} ${'path' in req ? req.path : ''}: err ${r.err}`)
    }
  }

  const started = performance.now()
  const deadline = started + spec.seconds * 1000
  await Promise.all(sessions.map(async (c, s) => {
    const dir = `${spec.root}/s${offset + s}`
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline && !c.closed) {
        switch (spec.kind) {
          case 'create': {
            const i = st.created[s]++
            await timed(c, { type: OpCode.create, path: `${dir}/n${i}`, data, dataLength: data.length, acl: OPEN, flags: 0 })
            break
          }
          case 'get': case 'set': case 'exists': {
            if (st.created[s] === 0) return
            const path = `${dir}/n${st.cursor[s]++ % st.created[s]}`
            if (spec.kind === 'get') await timed(c, { type: OpCode.getData, path, watch: false })
            else if (spec.kind === 'exists') await timed(c, { type: OpCode.exists, path, watch: false })
            else await timed(c, { type: OpCode.setData, path, data, dataLength: data.length, version: -1 })
            break
          }
          case 'delete': {
            if (st.cursor[s] >= st.created[s]) return
            await timed(c, { type: OpCode.delete, path: `${dir}/n${st.cursor[s]++}`, version: -1 })
            break
          }
          case 'hbase': {
            const x = random()
            const path = `${spec.root}/m${Math.floor(random() * keys)}`
            if (x < 0.80) {
              await timed(c, { type: OpCode.getData, path, watch: true })
            } else if (x < 0.95) {
              await timed(c, { type: OpCode.setData, path, data, dataLength: data.length, version: -1 })
            } else {
              const eph = `${spec.root}/e${offset + s}_${st.created[s]++}`
              await timed(c, { type: OpCode.create, path: eph, data, dataLength: data.length, acl: OPEN, flags: CreateFlag.EPHEMERAL })
              await timed(c, { type: OpCode.delete, path: eph, version: -1 })
            }
            break
          }
          case 'cycle': {
            const path = `${dir}/n${st.created[s]++}`
            await timed(c, { type: OpCode.create, path, data, dataLength: data.length, acl: OPEN, flags: 0 })
            await timed(c, { type: OpCode.getData, path, watch: false })
            await timed(c, { type: OpCode.setData, path, data, dataLength: data.length, version: -1 })
            await timed(c, { type: OpCode.exists, path, watch: false })
            await timed(c, { type: OpCode.delete, path, version: -1 })
            break
          }
        }
      }
    }
    await Promise.all(Array.from({ length: spec.inflight }, lane))
  }))
  // after a delete phase nothing is left to address; after cycle every znode is gone too
  if (spec.kind === 'delete' || spec.kind === 'cycle') for (let s = 0; s < st.created.length; s++) st.created[s] = Math.max(0, st.created[s] - (spec.kind === 'delete' ? st.cursor[s] : st.created[s]))
  return { ops: hist.total, errors, errorSamples: [...samples], hist: hist.toSparse(), elapsedMs: performance.now() - started }
}

async function populate (cmd: Extract<Command, { op: 'populate' }>): Promise<{ errors: number }> {
  const data = Buffer.alloc(cmd.size, 0x62)
  let next = 0
  let errors = 0
  await Promise.all(sessions.map(async (c) => {
    const lane = async (): Promise<void> => {
      while (next < cmd.count) {
        const i = cmd.offset + next++
        const r = await c.request({ type: OpCode.create, path: `${cmd.root}/m${i}`, data, dataLength: data.length, acl: OPEN, flags: 0 })
        if (r.err !== 0) errors++
      }
    }
    await Promise.all(Array.from({ length: cmd.inflight }, lane))
  }))
  return { errors }
}

async function stormArm (root: string): Promise<string[]> {
  const paths = sessions.map((_, s) => `${root}/e${offset + s}`)
  let errors = 0
  await inBatches(sessions, CONNECT_CONCURRENCY, async (c, s) => {
    const r = await c.request({ type: OpCode.create, path: paths[s], data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.EPHEMERAL })
    const w = await c.request({ type: OpCode.getChildren, path: root, watch: true })
    if (r.err !== 0 || w.err !== 0) errors++
  })
  if (errors > 0) throw new Error(`storm-arm: ${errors} sessions could not create their ephemeral or watch`)
  return paths
}

async function observe (addr: string, paths: string[]): Promise<void> {
  if (observer !== undefined) await retire([observer])
  observer = await ZkClient.connect(addr, { timeout: 30_000, connectTimeout: 30_000 })
  pendingDeleted = new Set(paths)
  deleted.clear()
  observer.on('watch', (ev: WatchNotification) => {
    if (ev.type === EventType.NodeDeleted && pendingDeleted.delete(ev.path)) deleted.set(ev.path, nowAbs())
  })
  const obs = observer
  await inBatches(paths, CONNECT_CONCURRENCY, async (path) => {
    const r = await obs.request({ type: OpCode.exists, path, watch: true })
    if (r.err !== 0) throw new Error(`observe: exists ${path} answered err ${r.err}`)
  })
}

async function drop (): Promise<DropResult> {
  // a last heartbeat on every session, so that each one's deadline is known
  let deadline = 0
  await inBatches(sessions, CONNECT_CONCURRENCY, async (c) => {
    const r = await c.ping()
    if (r.err !== 0) throw new Error(`drop: ping answered err ${r.err}`)
    deadline = Math.max(deadline, nowAbs() + c.negotiatedTimeout)
  })
  for (const c of sessions) c.destroy()
  sessions = []
  return { dropped: nowAbs(), deadline }
}

async function until (done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function fanArm (path: string): Promise<void> {
  fanPath = path
  fanArrivals = []
  await inBatches(sessions, CONNECT_CONCURRENCY, async (c) => {
    if (c.listenerCount('watch') === 0) {
      c.on('watch', (ev: WatchNotification) => {
        if (ev.type === EventType.NodeDataChanged && ev.path === fanPath) fanArrivals.push(nowAbs())
      })
    }
    const r = await c.request({ type: OpCode.getData, path, watch: true })
    if (r.err !== 0) throw new Error(`fan-arm: getData ${path} answered err ${r.err}`)
  })
}

async function closeAll (): Promise<void> {
  const all = observer === undefined ? sessions : [...sessions, observer]
  sessions = []
  observer = undefined
  await retire(all)
}

/** The Redis ceiling: closed-loop FCALLs of the bench library (bench/redis-ceiling.ts). */
async function redisLoop (cmd: Extract<Command, { op: 'redis' }>): Promise<LoadResult> {
  const hist = new Histogram()
  let errors = 0
  const samples = new Set<string>()
  const conns = Array.from({ length: cmd.conns }, () => new Redis(cmd.url, { lazyConnect: false, maxRetriesPerRequest: 0 }))
  await Promise.all(conns.map((r) => r.ping()))
  const data = 'x'.repeat(100)
  const started = performance.now()
  const deadline = started + cmd.seconds * 1000
  await Promise.all(conns.map(async (r, c) => {
    let i = 0
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const n = i++
        const path = `/c${cmd.offset}_${c}_${cmd.fn === 'rkb_get' ? n % 1000 : n}`
        const t0 = performance.now()
        try {
          await r.call('FCALL', cmd.fn, 1, '{b}', path, '/', data)
          hist.recordMs(performance.now() - t0)
        } catch (e) {
          errors++
          if (samples.size < 5) samples.add((e as Error).message)
        }
      }
    }
    await Promise.all(Array.from({ length: cmd.inflight }, lane))
  }))
  const elapsedMs = performance.now() - started
  for (const r of conns) r.disconnect()
  return { ops: hist.total, errors, errorSamples: [...samples], hist: hist.toSparse(), elapsedMs }
}

async function handle (cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'connect': return await connect(cmd)
    case 'load': return await load(cmd.spec)
    case 'populate': return await populate(cmd)
    case 'storm-arm': return await stormArm(cmd.root)
    case 'observe': return await observe(cmd.address, cmd.paths)
    case 'drop': return await drop()
    case 'await-deleted':
      await until(() => pendingDeleted.size === 0, cmd.timeoutMs, () => `${pendingDeleted.size} ephemerals not deleted, e.g. ${[...pendingDeleted][0]}`)
      return [...deleted.values()]
    case 'fan-arm': return await fanArm(cmd.path)
    case 'fan-await': {
      const want = sessions.length
      await until(() => fanArrivals.length >= want, cmd.timeoutMs, () => `${fanArrivals.length}/${want} sessions notified of ${fanPath}`)
      return fanArrivals
    }
    case 'close': return await closeAll()
    case 'redis': return await redisLoop(cmd)
  }
}

function answer (reply: Reply): void {
  // the orchestrator may be gone (Ctrl-C): nobody to answer
  if (process.connected) process.send?.(reply)
}

process.on('message', (msg: { id: number, cmd: Command }) => {
  handle(msg.cmd).then(
    (result) => answer({ id: msg.id, ok: true, result }),
    (e: Error) => answer({ id: msg.id, ok: false, error: `${address} ${msg.cmd.op}: ${e.stack ?? e.message}` })
  )
})
process.on('disconnect', () => process.exit(0))
