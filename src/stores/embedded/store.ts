// The embedded store: the engine's Storage over in-memory maps, made durable
// by a write-ahead log (group commit) and periodic snapshots. See README.md
// in this folder for the on-disk design.

import { EventEmitter } from 'node:events'
import { mkdirSync, openSync, statSync, unlink, unlinkSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { NodeClass } from '../../engine/classify'
import type { SessionId, SessionRecord, Storage, WatchKind, WatchMode, ZNode, Zxid } from '../../engine/types'
import {
  OP_ADD_CHILD,
  OP_ADD_EPHEMERAL,
  OP_DELETE_NODE,
  OP_REMOVE_CHILD,
  OP_REMOVE_EPHEMERAL,
  Writer,
  encodeChildOp,
  encodeDeleteSession,
  encodeEphemeralOp,
  encodePathOp,
  encodePutNode,
  encodePutSession,
  encodeSetZxid,
} from './codec'
import { StoreOpenError, StoreStateError, describeIoError } from './errors'
import { fsyncDirSync, inDir, segmentFile, segmentOpenFlags } from './files'
import { acquireLock } from './lock'
import { LogWriter, type Segment } from './log-writer'
import { silentLogger, type StoreLogger } from './logger'
import { recover, type SnapshotRef } from './recover'
import { writeFuzzySnapshot } from './snapshot'
import type { MemoryState } from './state'
import { WatchTables } from './watches'

export interface EmbeddedStoreOptions {
  dataDir: string
  /** default true; false only for tests/benchmarks that say so (records are still written, just not fsynced) */
  fsync?: boolean
  /** take a snapshot after this many log records (default 100 000) */
  snapshotEveryRecords?: number
  /** take a snapshot after this many bytes of log (default 64 MiB) */
  snapshotEveryBytes?: number
  /** roll to a new log segment past this size (default 64 MiB) */
  segmentBytes?: number
  /**
   * keep the log segment zero-filled this far ahead of the records, so that a
   * durable write overwrites in place instead of growing the file (ZooKeeper's
   * preAllocSize). Default 4 MiB with fsync, 0 (off) without.
   */
  preallocBytes?: number
  /**
   * entries a snapshot serialises per event-loop turn (default 2048, 1-2
   * ms); writes go on between slices. Tests make it tiny to interleave them.
   */
  snapshotSliceEntries?: number
  logger?: Logger
}

export interface EmbeddedStoreStats {
  nodeCount: number
  watchCount: number
  ephemeralCount: number
  sessionCount: number
  approximateDataSize: number
  logBytes: number
  lastSnapshotZxid: number
}

const DEFAULTS = {
  snapshotEveryRecords: 100_000,
  snapshotEveryBytes: 64 * 1024 * 1024,
  segmentBytes: 64 * 1024 * 1024,
  snapshotSliceEntries: 2048,
  preallocBytes: 4 * 1024 * 1024,
}

/** Snapshots kept: the newest, plus one to fall back on if it turns out unreadable. */
const SNAPSHOTS_KEPT = 2

interface Waiter {
  seq: number
  resolve: () => void
  reject: (err: Error) => void
}

function nonNegativeOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 0) throw new StoreOpenError(`invalid store option ${name}: ${value} (want a non-negative integer)`)
  return value
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new StoreOpenError(`invalid store option ${name}: ${value} (want a positive integer)`)
  return value
}

function prepareDir(dir: string, fsync: boolean): void {
  let created: string | undefined
  try {
    created = mkdirSync(dir, { recursive: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreOpenError(`cannot create data directory ${dir}: ${describeIoError(err)}`, { cause: err })
    }
  }
  // mkdir reports EEXIST for a file in the way; name the real problem
  if (!statSync(dir).isDirectory()) throw new StoreOpenError(`data directory ${dir} is not a directory`)
  // new directories' names must survive a crash, like any new file's: sync
  // each parent from the data dir's up to the one that already existed
  if (created !== undefined && fsync) {
    for (let p = dir; ; p = dirname(p)) {
      fsyncDirSync(dirname(p))
      if (p === created || p === dirname(p)) break
    }
  }
}

/**
 * The segment new records go to: the last one if it holds no records and is
 * in place (perhaps preallocated: writing starts at 0, its zeros are reused),
 * else a fresh one.
 */
function openCurrentSegment(dir: string, segments: Segment[], nextSeq: number, fsync: boolean): number {
  const last = segments[segments.length - 1]
  if (last !== undefined && last.size === 0) {
    if (last.firstSeq === nextSeq) return openSync(inDir(dir, last.file), segmentOpenFlags(false, fsync))
    // empty and misnamed (the snapshot ran ahead of it): nothing to keep
    unlinkSync(inDir(dir, last.file))
    segments.pop()
  }
  const file = segmentFile(nextSeq)
  const fd = openSync(inDir(dir, file), segmentOpenFlags(true, fsync))
  if (fsync) fsyncDirSync(dir)
  segments.push({ file, firstSeq: nextSeq, size: 0, fileBytes: 0 })
  return fd
}

export class EmbeddedStore extends EventEmitter implements Storage {
  /**
   * Open (creating if needed) the store in opts.dataDir: lock it, load the
   * newest snapshot, replay the log. Throws StoreOpenError with a one-line
   * message when that cannot be done without losing acknowledged data.
   */
  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const dir = resolve(opts.dataDir)
    const log: StoreLogger = opts.logger ?? silentLogger
    const fsync = opts.fsync ?? true
    const limits = {
      snapshotEveryRecords: positiveOption('snapshotEveryRecords', opts.snapshotEveryRecords, DEFAULTS.snapshotEveryRecords),
      snapshotEveryBytes: positiveOption('snapshotEveryBytes', opts.snapshotEveryBytes, DEFAULTS.snapshotEveryBytes),
      segmentBytes: positiveOption('segmentBytes', opts.segmentBytes, DEFAULTS.segmentBytes),
      snapshotSliceEntries: positiveOption('snapshotSliceEntries', opts.snapshotSliceEntries, DEFAULTS.snapshotSliceEntries),
      preallocBytes: nonNegativeOption('preallocBytes', opts.preallocBytes, fsync ? DEFAULTS.preallocBytes : 0),
    }
    prepareDir(dir, fsync)
    const release = acquireLock(dir)
    try {
      const started = performance.now()
      const rec = recover(dir, log, fsync)
      const fd = openCurrentSegment(dir, rec.segments, rec.appliedSeq + 1, fsync)
      const store = new EmbeddedStore(dir, log, fsync, limits, release, rec, fd)
      log.info(
        {
          dataDir: dir,
          appliedSeq: rec.appliedSeq,
          snapshotSeq: rec.snapshotSeq,
          replayed: rec.appliedSeq - rec.snapshotSeq,
          znodes: rec.state.nodes.size,
          sessions: rec.state.sessions.size,
          ms: Math.round(performance.now() - started),
        },
        'embedded store opened',
      )
      return store
    } catch (err) {
      release()
      if (err instanceof StoreOpenError) throw err
      throw new StoreOpenError(`cannot open the store in ${dir}: ${describeIoError(err)}`, { cause: err })
    }
  }

  private readonly dir: string
  private readonly log: StoreLogger
  private readonly fsync: boolean
  private readonly limits: typeof DEFAULTS
  private readonly releaseLock: () => void
  private readonly state: MemoryState
  private readonly watches = new WatchTables()
  /** session deadlines: memory only, like ZooKeeper's session tracker */
  private readonly deadlines = new Map<SessionId, number>()
  private readonly wal: LogWriter
  private readonly writer = new Writer()

  private seq: number
  private inTxn = false
  private frameStart = 0
  private seqPos = 0
  private txnOps = 0
  /** inverse of each mutation in the open transaction, in order */
  private undo: (() => void)[] = []

  private waiters: Waiter[] = []
  private failure: Error | null = null
  private closed = false
  private closing: Promise<void> | null = null

  private snapshots: SnapshotRef[]
  private lastSnapshotSeq: number
  private lastSnapshotZxid: Zxid
  private snapshotChain: Promise<void> = Promise.resolve()
  private snapshotQueued = false
  private recordsSinceSnapshot: number
  private bytesSinceSnapshot: number

  private constructor(
    dir: string,
    log: StoreLogger,
    fsync: boolean,
    limits: typeof DEFAULTS,
    releaseLock: () => void,
    rec: ReturnType<typeof recover>,
    fd: number,
  ) {
    super()
    this.dir = dir
    this.log = log
    this.fsync = fsync
    this.limits = limits
    this.releaseLock = releaseLock
    this.state = rec.state
    this.seq = rec.appliedSeq
    this.snapshots = rec.snapshots
    this.lastSnapshotSeq = rec.snapshotSeq
    this.lastSnapshotZxid = rec.snapshotZxid
    this.recordsSinceSnapshot = rec.appliedSeq - rec.snapshotSeq
    this.bytesSinceSnapshot = rec.replayedBytes
    this.wal = new LogWriter({ dir, fsync, segmentBytes: limits.segmentBytes, preallocBytes: limits.preallocBytes }, rec.segments, fd, rec.appliedSeq, {
      durable: (seq) => this.onDurable(seq),
      failed: (err) => this.onFailed(err),
      synced: (seconds) => this.notify('synced', seconds),
    })
    // the expiry clock restarts: a session gets its full timeout to come back
    const now = Date.now()
    for (const s of this.state.sessions.values()) this.deadlines.set(s.id, now + s.timeout)
    this.maybeSnapshot()
  }

  // ---- transactions ----

  /**
   * Run fn; every mutating primitive it calls becomes ONE log record, applied
   * to memory at once and queued for group commit. Returns fn's result and
   * the record's seq (0 when fn mutated nothing). Nested calls join the outer
   * one. If fn throws, its mutations are undone and never logged.
   */
  transact<T>(fn: () => T): { result: T; seq: number } {
    if (this.closed) throw new StoreStateError('the store is closed')
    if (this.failure !== null) throw new StoreStateError(`the store's log failed: ${this.failure.message}`, { cause: this.failure })
    const outer = !this.inTxn
    if (outer) {
      this.inTxn = true
      this.writer.reset()
      this.frameStart = this.writer.beginFrame()
      this.seqPos = this.writer.pos
      this.writer.f64(0) // seq, filled in at commit
    }
    const undoMark = this.undo.length
    const posMark = this.writer.pos
    const opsMark = this.txnOps
    let result: T
    try {
      result = fn()
    } catch (err) {
      this.rollback(undoMark, posMark, opsMark, outer)
      throw err
    }
    if (!outer) return { result, seq: this.txnOps > opsMark ? this.seq + 1 : 0 }
    if (this.txnOps === 0) {
      this.inTxn = false
      this.undo.length = 0
      return { result, seq: 0 }
    }
    let record: Buffer
    try {
      this.writer.buf.writeDoubleLE(this.seq + 1, this.seqPos)
      this.writer.endFrame(this.frameStart)
      record = this.writer.copy(this.frameStart)
    } catch (err) {
      this.rollback(0, 0, 0, true) // e.g. a record past MAX_FRAME_BYTES
      throw err
    }
    this.inTxn = false
    this.undo.length = 0
    this.txnOps = 0
    const seq = ++this.seq
    this.wal.append(record)
    this.recordsSinceSnapshot++
    this.bytesSinceSnapshot += record.length
    this.maybeSnapshot()
    return { result, seq }
  }

  private rollback(undoMark: number, posMark: number, opsMark: number, outer: boolean): void {
    for (let i = this.undo.length - 1; i >= undoMark; i--) (this.undo[i] as () => void)()
    this.undo.length = undoMark
    this.writer.pos = posMark
    this.txnOps = opsMark
    if (outer) this.inTxn = false
  }

  /** Throws unless inside transact; returns the writer position to reset to if encoding fails. */
  private opStart(what: string): number {
    if (!this.inTxn) throw new StoreStateError(`${what} called outside transact(): it would bypass the log`)
    return this.writer.pos
  }

  /** An op that failed to encode (a value out of range) must leave no partial bytes. */
  private opFailed(mark: number, err: unknown): never {
    this.writer.pos = mark
    throw err
  }

  get appliedSeq(): number {
    return this.seq
  }

  get durableSeq(): number {
    return this.wal.durableSeq
  }

  /** Resolves once record seq is on disk; rejects if the log fails first. */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.wal.durableSeq) return Promise.resolve()
    if (this.failure !== null) return Promise.reject(this.failure)
    if (seq > this.seq) return Promise.reject(new RangeError(`record ${seq} does not exist yet (last is ${this.seq})`))
    return new Promise((resolve, reject) => {
      const w: Waiter = { seq, resolve, reject }
      // callers nearly always wait for the newest record: insert from the end
      let i = this.waiters.length
      while (i > 0 && (this.waiters[i - 1] as Waiter).seq > seq) i--
      this.waiters.splice(i, 0, w)
    })
  }

  private onDurable(seq: number): void {
    let n = 0
    while (n < this.waiters.length && (this.waiters[n] as Waiter).seq <= seq) (this.waiters[n++] as Waiter).resolve()
    if (n > 0) this.waiters.splice(0, n)
    try {
      this.emit('durable', seq)
    } catch (err) {
      // a listener's bug must not look like a log failure
      process.nextTick(() => {
        throw err
      })
    }
  }

  /** An observer's event ('synced', 'snapshot'): a listener's bug must not look like a store failure. */
  private notify(event: 'synced' | 'snapshot', ...args: unknown[]): void {
    try {
      this.emit(event, ...args)
    } catch (err) {
      process.nextTick(() => {
        throw err
      })
    }
  }

  private onFailed(err: Error): void {
    this.failure = err
    this.log.error({ err, dataDir: this.dir }, 'write-ahead log failed; no further writes are acknowledged')
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w.reject(err)
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }

  // ---- Storage: znodes ----

  getNode(path: string): ZNode | undefined {
    return this.state.nodes.get(path)
  }

  putNode(path: string, node: ZNode): void {
    const mark = this.opStart('putNode')
    try {
      encodePutNode(this.writer, path, node)
    } catch (err) {
      this.opFailed(mark, err)
    }
    const prev = this.state.putNode(path, node)
    this.undo.push(prev === undefined ? () => void this.state.deleteNode(path) : () => void this.state.putNode(path, prev))
    this.txnOps++
  }

  deleteNode(path: string): void {
    this.opStart('deleteNode')
    encodePathOp(this.writer, OP_DELETE_NODE, path)
    const names = this.state.children.get(path)
    const prev = this.state.deleteNode(path)
    if (prev !== undefined || names !== undefined) {
      this.undo.push(() => {
        if (prev !== undefined) this.state.putNode(path, prev)
        if (names !== undefined) this.state.restoreChildren(path, names)
      })
    }
    this.txnOps++
  }

  getChildren(path: string): string[] {
    const set = this.state.children.get(path)
    return set === undefined ? [] : [...set]
  }

  indexed(cls: NodeClass): readonly string[] {
    return this.state.indexed(cls)
  }

  text(data: Uint8Array): string {
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')
  }

  bytes(text: string): Uint8Array {
    return Buffer.from(text, 'utf8')
  }

  addChild(parent: string, name: string): void {
    this.opStart('addChild')
    encodeChildOp(this.writer, OP_ADD_CHILD, parent, name)
    if (this.state.addChild(parent, name)) this.undo.push(() => void this.state.removeChild(parent, name))
    this.txnOps++
  }

  removeChild(parent: string, name: string): void {
    this.opStart('removeChild')
    encodeChildOp(this.writer, OP_REMOVE_CHILD, parent, name)
    if (this.state.removeChild(parent, name)) this.undo.push(() => void this.state.addChild(parent, name))
    this.txnOps++
  }

  getZxid(): Zxid {
    return this.state.zxid
  }

  setZxid(zxid: Zxid): void {
    this.opStart('setZxid')
    encodeSetZxid(this.writer, zxid)
    const prev = this.state.setZxid(zxid)
    this.undo.push(() => void this.state.setZxid(prev))
    this.txnOps++
  }

  // ---- Storage: sessions ----

  getSession(id: SessionId): SessionRecord | undefined {
    return this.state.sessions.get(id)
  }

  putSession(session: SessionRecord): void {
    this.opStart('putSession')
    encodePutSession(this.writer, session)
    const prev = this.state.putSession(session)
    const hadDeadline = this.deadlines.has(session.id)
    if (!hadDeadline) this.deadlines.set(session.id, Date.now() + session.timeout)
    this.undo.push(() => {
      if (prev === undefined) this.state.deleteSession(session.id)
      else this.state.putSession(prev)
      if (!hadDeadline) this.deadlines.delete(session.id)
    })
    this.txnOps++
  }

  deleteSession(id: SessionId): void {
    this.opStart('deleteSession')
    encodeDeleteSession(this.writer, id)
    const paths = this.state.ephemerals.get(id)
    const prev = this.state.deleteSession(id)
    const deadline = this.deadlines.get(id)
    this.deadlines.delete(id)
    this.undo.push(() => {
      if (prev !== undefined) this.state.putSession(prev)
      if (paths !== undefined) this.state.restoreEphemerals(id, paths)
      if (deadline !== undefined) this.deadlines.set(id, deadline)
    })
    this.txnOps++
  }

  getEphemerals(id: SessionId): string[] {
    const set = this.state.ephemerals.get(id)
    return set === undefined ? [] : [...set]
  }

  addEphemeral(id: SessionId, path: string): void {
    this.opStart('addEphemeral')
    encodeEphemeralOp(this.writer, OP_ADD_EPHEMERAL, id, path)
    if (this.state.addEphemeral(id, path)) this.undo.push(() => void this.state.removeEphemeral(id, path))
    this.txnOps++
  }

  removeEphemeral(id: SessionId, path: string): void {
    this.opStart('removeEphemeral')
    encodeEphemeralOp(this.writer, OP_REMOVE_EPHEMERAL, id, path)
    if (this.state.removeEphemeral(id, path)) this.undo.push(() => void this.state.addEphemeral(id, path))
    this.txnOps++
  }

  /** Sessions whose deadline is at or before now. A scan: called once per tick, not per request. */
  expiredSessions(now: number): SessionId[] {
    const out: SessionId[] = []
    for (const [id, deadline] of this.deadlines) if (deadline <= now) out.push(id)
    return out
  }

  /** deadline = now + the session's timeout; unknown sessions are ignored */
  touchSession(id: SessionId, now: number): void {
    const s = this.state.sessions.get(id)
    if (s !== undefined) this.deadlines.set(id, now + s.timeout)
  }

  sessionIds(): SessionId[] {
    return [...this.state.sessions.keys()]
  }

  // ---- Storage: watches (memory only, never logged) ----

  addWatch(kind: WatchKind, path: string, session: SessionId, mode?: WatchMode): void {
    this.watches.add(kind, path, session, mode)
  }

  takeWatchers(kind: WatchKind, path: string, withRecursive?: boolean): SessionId[] {
    return this.watches.take(kind, path, withRecursive === true)
  }

  recursiveWatchers(kind: WatchKind, path: string): SessionId[] {
    return this.watches.recursiveAt(kind, path)
  }

  hasRecursiveWatches(): boolean {
    return this.watches.recursive > 0
  }

  hasWatchers(kind: WatchKind, path: string): boolean {
    return this.watches.has(kind, path)
  }

  removeWatch(kind: WatchKind, path: string, session: SessionId): boolean {
    return this.watches.remove(kind, path, session)
  }

  dropWatches(session: SessionId): void {
    this.watches.drop(session)
  }

  sessionWatchCount(session: SessionId): number {
    return this.watches.countHeldBy(session)
  }

  // ---- read-only views for the four-letter words (wchs, wchc, wchp, dump) ----

  watchesByPath(kind: WatchKind): Iterable<readonly [string, Iterable<SessionId>]> {
    return this.watches.byPath(kind)
  }

  watchesBySession(kind: WatchKind): Iterable<readonly [SessionId, Iterable<string>]> {
    return this.watches.sessionsIn(kind)
  }

  watchSummary(kind: WatchKind): { sessions: number, paths: number, total: number } {
    return this.watches.summary(kind)
  }

  /** the session's watch registrations with their modes (REST inspection) */
  watchesOf(session: SessionId): Array<readonly [WatchKind, string, WatchMode]> {
    return this.watches.heldBy(session)
  }

  /** the sessions watching exactly path in table `kind` */
  watchersOf(kind: WatchKind, path: string): SessionId[] {
    return this.watches.watchersAt(kind, path)
  }

  /** distinct watched paths, registrations and watching sessions, both tables */
  watchTotals(): { paths: number, watches: number, sessions: number } {
    return { ...this.watches.totals(), watches: this.watches.count }
  }

  /** the deadline the tracker holds for one session */
  sessionDeadline(id: SessionId): number | undefined {
    return this.deadlines.get(id)
  }

  /** (session, deadline epoch ms): the session tracker's view */
  sessionDeadlines(): Iterable<readonly [SessionId, number]> {
    return this.deadlines.entries()
  }

  /** each session owning ephemerals → their paths */
  ephemeralsBySession(): Array<readonly [SessionId, readonly string[]]> {
    return Array.from(this.state.ephemerals, ([id, paths]) => [id, [...paths]] as const)
  }

  // ---- housekeeping ----

  stats(): EmbeddedStoreStats {
    return {
      nodeCount: this.state.nodes.size,
      watchCount: this.watches.count,
      ephemeralCount: this.state.ephemeralCount,
      sessionCount: this.state.sessions.size,
      approximateDataSize: this.state.approximateDataSize,
      logBytes: this.wal.logBytes,
      lastSnapshotZxid: this.lastSnapshotZxid,
    }
  }

  /** Write a snapshot of the current state, then delete what it makes redundant. */
  snapshot(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreStateError('the store is closed'))
    const run = this.snapshotChain.then(() => this.takeSnapshot())
    this.snapshotChain = run.catch(() => {})
    return run
  }

  private maybeSnapshot(): void {
    if (this.snapshotQueued) return
    if (this.recordsSinceSnapshot < this.limits.snapshotEveryRecords && this.bytesSinceSnapshot < this.limits.snapshotEveryBytes) return
    this.snapshotQueued = true
    setImmediate(() => {
      if (this.closed) return
      this.snapshot()
        .catch((err: unknown) => this.log.error({ err, dataDir: this.dir }, 'automatic snapshot failed'))
        .finally(() => {
          this.snapshotQueued = false
        })
    })
  }

  private async takeSnapshot(): Promise<void> {
    if (this.failure !== null) throw new StoreStateError(`the store's log failed: ${this.failure.message}`)
    const seq = this.seq
    if (seq === this.lastSnapshotSeq) return
    const t0 = performance.now()
    this.recordsSinceSnapshot = 0
    this.bytesSinceSnapshot = 0
    this.wal.requestRoll(seq)
    this.log.info({ seq, zxid: this.state.zxid, znodes: this.state.nodes.size }, 'snapshot started')
    let endSeq = seq
    // fuzzy, in slices, while writes go on (see snapshot.ts for why replaying
    // the log after seq over it is correct)
    const snap = await writeFuzzySnapshot(this.state, seq, {
      dir: this.dir,
      fsync: this.fsync,
      sliceEntries: this.limits.snapshotSliceEntries,
      beforePublish: () => {
        endSeq = this.seq
        return this.whenDurable(endSeq)
      },
    })
    this.snapshots.unshift({ file: snap.file, seq })
    this.lastSnapshotSeq = seq
    this.lastSnapshotZxid = snap.zxid
    const removed = await this.compact()
    this.notify('snapshot', (performance.now() - t0) / 1000, snap.bytes)
    this.log.info(
      {
        seq,
        zxid: snap.zxid,
        znodes: snap.nodeCount,
        bytes: snap.bytes,
        serializeMs: Math.round(snap.serializeMs),
        longestSliceMs: Math.round(snap.longestSliceMs * 10) / 10,
        slices: snap.slices,
        recordsDuring: endSeq - seq,
        totalMs: Math.round(performance.now() - t0),
        removed,
      },
      'snapshot written',
    )
  }

  /** Keep SNAPSHOTS_KEPT snapshots and the log from the oldest kept one on. */
  private async compact(): Promise<string[]> {
    const dropped = this.snapshots.splice(SNAPSHOTS_KEPT)
    const removed: string[] = []
    for (const s of dropped) {
      await new Promise<void>((res) => unlink(inDir(this.dir, s.file), () => res()))
      removed.push(s.file)
    }
    const oldestKept = this.snapshots[this.snapshots.length - 1]
    if (this.snapshots.length === SNAPSHOTS_KEPT && oldestKept !== undefined) {
      removed.push(...(await this.wal.deleteThrough(oldestKept.seq)))
    }
    return removed
  }

  /** Finish pending commits, fsync, close files, release the lock. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.doClose()
    return this.closing
  }

  private async doClose(): Promise<void> {
    this.closed = true
    await this.snapshotChain
    await this.wal.close()
    const stranded = this.waiters
    this.waiters = []
    for (const w of stranded) w.reject(this.failure ?? new StoreStateError('the store closed before the record was durable'))
    this.releaseLock()
    this.log.info({ dataDir: this.dir, appliedSeq: this.seq, durableSeq: this.wal.durableSeq }, 'embedded store closed')
  }
}
