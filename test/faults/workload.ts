// The recorded workload of the fault runs. N sessions share K registers
// (/h/r/k<j>, created with data "init"): each sends two requests at a time
// (pipelined, so FIFO order is exercised), a seeded mix of reads (some
// setting a data watch), blind writes and compare-and-sets on the version it
// last saw, every write with a value no other write has. Each session owns
// an ephemeral /h/e/s<i>. Some "silent" sessions drop their connection part
// way and never come back: each must be expired exactly once. Every fourth
// session works on the sequential queues instead (/h/q/q<j>, the ZooKeeper
// queue recipe: enqueue a unique value, dequeue the lowest item), two
// operations at a time as well.
//
// After the fault, with the service whole again, every live session reads
// every register (a lost watch event, or a stale read, shows there), a fresh
// observer session reads them too (recorded: a lost write then breaks
// linearizability as well as the count below) and drains every queue
// (recorded: an acknowledged item never dequeued is lost), and every session
// closes.

import { OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { checkHistory, HistoryRecorder, type HistoryReport } from '../support/history'
import { sleep } from '../support/proc'
import { OPEN, RecordedSession } from './session'

export interface WorkloadOptions {
  /** ZooKeeper addresses (sidecars) to spread the sessions over; read at each (re)connect */
  addresses: () => string[]
  sessions: number
  keys?: number
  /** requested session timeout, ms (default 10000) */
  timeout?: number
  seed?: number
  /** pause between a session's rounds (default 5 ms) */
  pauseMs?: number
  /** sessions that fall silent, at a random moment of the run (default 2) */
  silent?: number
  /** sequential queues (default 2); every fourth session works on them */
  queues?: number
}

export interface WorkloadRun {
  rec: HistoryRecorder
  /** the queue znodes */
  queues: string[]
  sessions: RecordedSession[]
  silent: RecordedSession[]
  /** stops the sessions' loops; resolves when they have stopped */
  stop(): Promise<void>
}

export interface WorkloadFigures {
  sessions: number
  ops: number
  acknowledgedWrites: number
  indeterminate: number
  reconnects: number
  /** acknowledged writes not in the final state (a register's final version below theirs, or another value at it) */
  lostWrites: number
  /** live sessions that expired (or could not get back) */
  expired: Array<{ session: number, how: string }>
  /** silent sessions: whether their expiry happened (ephemeral gone, resume refused) */
  silentExpired: number
  silentNotExpired: number[]
  ephemeralsWrong: string[]
  /** queue operations recorded (with the drain) */
  queueOps: number
  history: HistoryReport
}

const ROOT = '/h'
export const keyPath = (j: number): string => `${ROOT}/r/k${j}`
export const queuePath = (j: number): string => `${ROOT}/q/q${j}`
/** the sessions that work on the queues */
export const isQueueSession = (index: number): boolean => index % 4 === 3

/** mulberry32: a small seeded PRNG, so a run's op mix can be replayed */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function setupTree (address: string, keys: number, queues = 0): Promise<void> {
  const c = await ZkClient.connect(address)
  try {
    for (const p of [ROOT, `${ROOT}/r`, `${ROOT}/e`, `${ROOT}/q`, ...Array.from({ length: keys }, (_, j) => keyPath(j)), ...Array.from({ length: queues }, (_, j) => queuePath(j))]) {
      const data = p.startsWith(`${ROOT}/r/`) ? Buffer.from('init') : null
      const r = await c.request({ type: OpCode.create, path: p, data, dataLength: data?.length ?? 0, acl: OPEN, flags: 0 })
      if (r.err !== 0) throw new Error(`setup: create ${p} answered ${r.err}`)
    }
  } finally {
    await c.close().catch(() => c.destroy())
  }
}

export async function startWorkload (opts: WorkloadOptions, durationMs: number): Promise<WorkloadRun> {
  const keys = opts.keys ?? 8
  const timeout = opts.timeout ?? 10_000
  const rand = prng(opts.seed ?? 1)
  const rec = new HistoryRecorder()
  for (let j = 0; j < keys; j++) rec.register(keyPath(j), 'init', 0)
  const queues = Array.from({ length: opts.queues ?? 2 }, (_, j) => queuePath(j))
  await setupTree(opts.addresses()[0], keys, queues.length)

  const all: RecordedSession[] = []
  const silentCount = opts.silent ?? 2
  for (let i = 0; i < opts.sessions + silentCount; i++) {
    const s = new RecordedSession(i, rec, opts.addresses, timeout)
    await s.open()
    await s.ephemeral(`${ROOT}/e/s${i}`)
    all.push(s)
  }
  const sessions = all.slice(0, opts.sessions)
  const silent = all.slice(opts.sessions)

  let stopping = false
  let n = 0
  const loop = async (s: RecordedSession, r: () => number): Promise<void> => {
    const one = (): Promise<void> => {
      if (queues.length > 0 && isQueueSession(s.index) && s.index < opts.sessions) {
        const queue = queues[Math.floor(r() * queues.length)]
        return r() < 0.5 ? s.enqueue(queue, `s${s.index}-${++n}`) : s.dequeue(queue)
      }
      const key = keyPath(Math.floor(r() * keys))
      const x = r()
      if (x < 0.45) return s.op('read', key, { watch: r() < 0.5 })
      const value = `s${s.index}-${++n}`
      if (x < 0.7) return s.op('write', key, { value })
      return s.op('cas', key, { value, expect: s.versions.get(key) ?? 0 })
    }
    while (!stopping && s.alive) {
      await Promise.all([one(), one()])
      if (opts.pauseMs !== 0) await sleep(opts.pauseMs ?? 5)
    }
  }
  const loops = all.map((s, i) => loop(s, prng((opts.seed ?? 1) * 1000 + i)))
  // silent sessions go quiet somewhere in the first half of the run
  const silencers = silent.map(async (s) => {
    await sleep(Math.floor(rand() * durationMs / 2))
    s.silence()
  })
  return {
    rec,
    queues,
    sessions,
    silent,
    async stop () {
      stopping = true
      await Promise.all([...loops, ...silencers])
    }
  }
}

/** After the fault, with every component back: final reads, the observer, closes, the checks. */
export async function finishWorkload (run: WorkloadRun, address: string, keys = 8, checkMs = 60_000): Promise<WorkloadFigures> {
  const { rec, sessions, silent, queues } = run
  for (const s of sessions) {
    for (let j = 0; j < keys && s.alive; j++) await s.op('read', keyPath(j))
  }
  const observer = new RecordedSession(sessions.length + silent.length, rec, () => [address], 10_000)
  await observer.open()
  const finals = new Map<string, { value: string, version: number }>()
  for (let j = 0; j < keys; j++) {
    await observer.op('read', keyPath(j))
    const op = rec.history.ops[rec.history.ops.length - 1]
    if (op.err === 0 && op.read !== undefined && op.version !== undefined) finals.set(keyPath(j), { value: op.read, version: op.version })
  }
  // The drain: dequeue until a determinate "empty" (bounded: the run cannot have enqueued more).
  for (const q of queues) {
    for (let i = 0; i <= rec.history.queues.length; i++) {
      await observer.dequeue(q)
      const last = rec.history.queues[rec.history.queues.length - 1]
      if (last.complete !== undefined && last.empty === true) break
    }
  }

  // What must hold of the ephemerals: a live session owns its own, an expired one's is gone.
  const ephemeralsWrong: string[] = []
  const owner = async (i: number): Promise<number | null> => {
    const c = observer.client
    if (c === undefined) throw new Error('observer lost its connection')
    const r = await c.request({ type: OpCode.exists, path: `${ROOT}/e/s${i}`, watch: false }, { xid: 1_000_000 + i })
    return r.err === 0 ? r.body?.stat?.ephemeralOwner ?? 0 : null
  }
  const expired: WorkloadFigures['expired'] = []
  for (const s of sessions) {
    const o = await owner(s.index)
    if (s.alive && o !== Number(s.sessionId)) ephemeralsWrong.push(`live session ${s.index}: its ephemeral is ${o === null ? 'gone' : `owned by 0x${o.toString(16)}`}`)
  }
  for (const s of sessions) {
    if (s.alive) {
      const code = await s.close()
      if (code !== 0) expired.push({ session: s.index, how: `closeSession answered ${code}` })
    } else {
      expired.push({ session: s.index, how: s.expired?.how ?? s.gaveUp ?? '?' })
    }
  }
  const silentNotExpired: number[] = []
  for (const s of silent) {
    const o = await owner(s.index)
    if (o !== null || await s.resumable(address)) silentNotExpired.push(s.index)
  }
  await observer.close()

  let acknowledgedWrites = 0
  let lostWrites = 0
  for (const op of rec.history.ops) {
    if (op.kind === 'read' || op.err !== 0 || op.complete === undefined) continue
    acknowledgedWrites++
    const f = finals.get(op.key)
    if (f === undefined || op.version === undefined) continue
    if (op.version > f.version || (op.version === f.version && op.value !== f.value)) lostWrites++
  }
  const history = checkHistory(rec.history, checkMs)
  return {
    sessions: sessions.length,
    ops: rec.history.ops.length,
    acknowledgedWrites,
    indeterminate: history.registers.indeterminate,
    reconnects: sessions.reduce((a, s) => a + s.reconnects, 0),
    lostWrites,
    expired,
    silentExpired: silent.length - silentNotExpired.length,
    silentNotExpired,
    ephemeralsWrong,
    queueOps: rec.history.queues.length,
    history
  }
}
