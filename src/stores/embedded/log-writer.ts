// The write-ahead log's writer: group commit into append-only segments.
//
// Records are queued as the store commits them. One loop drains the queue:
// it writes everything queued with one writev to a segment opened O_DSYNC
// (when fsyncing), so the write returns once the bytes are on disk, and only
// then reports the last of those records durable. Records committed while a
// write or fsync is in flight wait for the next round, so under load one
// fsync covers many records.
//
// Segments roll when they pass segmentBytes, or on request at a record
// boundary (a snapshot asks for one so that older segments hold only records
// the snapshot covers and can be deleted whole).

import { close, fdatasync, open, unlink, writev } from 'node:fs'
import { promisify } from 'node:util'
import { fsyncDir, inDir, segmentFile, segmentOpenFlags } from './files'

const writevAsync = promisify(writev)
const fdatasyncAsync = promisify(fdatasync)
const openAsync = promisify(open)
const closeAsync = promisify(close)
const unlinkAsync = promisify(unlink)

/** Linux's IOV_MAX: the most buffers one writev takes. */
const IOV_MAX = 1024

export interface Segment {
  file: string
  firstSeq: number
  /** bytes of valid records */
  size: number
}

export interface LogWriterOptions {
  dir: string
  fsync: boolean
  segmentBytes: number
}

export interface LogWriterHooks {
  durable(seq: number): void
  failed(err: Error): void
  /** one durable write of the log (O_DSYNC: written = on disk) finished, after `seconds` */
  synced?(seconds: number): void
}

export class LogWriter {
  /** last record handed to the kernel */
  writtenSeq: number
  /** last record known to be on disk (== writtenSeq without fsync) */
  durableSeq: number
  failure: Error | null = null

  private readonly opts: LogWriterOptions
  private readonly hooks: LogWriterHooks
  /** oldest first; the last one is being appended to */
  private readonly segments: Segment[]
  private fd: number
  private queue: Buffer[] = []
  private active = false
  private closed = false
  /** roll before writing this seq, if the current segment holds anything */
  private rollAt: number | null = null
  private idleWaiters: (() => void)[] = []

  constructor(opts: LogWriterOptions, segments: Segment[], fd: number, lastSeq: number, hooks: LogWriterHooks) {
    this.opts = opts
    this.segments = segments
    this.fd = fd
    this.writtenSeq = lastSeq
    this.durableSeq = lastSeq
    this.hooks = hooks
  }

  get logBytes(): number {
    let n = 0
    for (const s of this.segments) n += s.size
    return n
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1] as Segment
  }

  /** Queue the next record (its seq is the one after everything queued so far). */
  append(record: Buffer): void {
    this.queue.push(record)
    this.kick()
  }

  /** Make the next segment start right after record seq. */
  requestRoll(afterSeq: number): void {
    this.rollAt = afterSeq + 1
    this.kick()
  }

  /** Resolves when everything queued so far has been written (and fsynced). */
  whenIdle(): Promise<void> {
    if (!this.active) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Delete the segments that hold only records at or below seq. Never the
   * current one. Returns the files removed.
   */
  async deleteThrough(seq: number): Promise<string[]> {
    const removed: Segment[] = []
    while (this.segments.length > 1) {
      const next = this.segments[1] as Segment
      if (next.firstSeq - 1 > seq) break
      removed.push(this.segments.shift() as Segment)
    }
    // oldest first: a crash part-way leaves a contiguous suffix, though
    // recovery copes with any subset since these are all covered by a snapshot
    for (const s of removed) await unlinkAsync(inDir(this.opts.dir, s.file))
    if (removed.length > 0 && this.opts.fsync) await fsyncDir(this.opts.dir)
    return removed.map((s) => s.file)
  }

  /** Drain, make everything durable (even without fsync: a clean stop is worth one), close the file. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.whenIdle()
    this.closed = true
    if (this.failure === null) {
      try {
        await fdatasyncAsync(this.fd)
      } catch (err) {
        this.fail(err as Error)
      }
    }
    await closeAsync(this.fd)
  }

  private kick(): void {
    if (this.active || this.closed || this.failure !== null) return
    this.active = true
    // setImmediate, not nextTick: let the rest of this I/O phase's requests
    // commit first so they share the write and the fsync
    setImmediate(() => void this.loop())
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        if (this.rollAt !== null && this.writtenSeq >= this.rollAt - 1) {
          if (this.current.size > 0) await this.roll()
          this.rollAt = null
          continue
        }
        if (this.current.size >= this.opts.segmentBytes) {
          await this.roll()
          continue
        }
        if (this.queue.length === 0) break
        let batch = this.queue
        if (this.rollAt !== null && batch.length > this.rollAt - 1 - this.writtenSeq) {
          const n = this.rollAt - 1 - this.writtenSeq
          batch = this.queue.slice(0, n)
          this.queue = this.queue.slice(n)
        } else {
          this.queue = []
        }
        await this.write(batch)
      }
    } catch (err) {
      this.fail(err as Error)
    } finally {
      // synchronous with the last check of the queue: nothing can slip in
      // between "queue empty" and "not active"
      this.active = false
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private async write(batch: Buffer[]): Promise<void> {
    const seg = this.current
    let bytes = 0
    for (const b of batch) bytes += b.length
    let position = seg.size
    // Each write to an O_DSYNC segment is its own trip to the disk: a batch
    // too long for one writev is gathered into one buffer rather than split.
    let pending = batch.length > IOV_MAX ? [Buffer.concat(batch, bytes)] : batch
    const t0 = performance.now()
    while (pending.length > 0) {
      const { bytesWritten } = await writevAsync(this.fd, pending, position)
      if (bytesWritten <= 0) throw new Error(`writev to ${seg.file} wrote nothing`)
      position += bytesWritten
      // usually all of it; a short write resubmits the rest
      pending = dropBytes(pending, bytesWritten)
    }
    seg.size += bytes
    this.writtenSeq += batch.length
    // no fdatasync: with fsync on the segment is O_DSYNC (segmentOpenFlags),
    // so the writev above returned only once the records were on disk
    if (this.opts.fsync) this.hooks.synced?.((performance.now() - t0) / 1000)
    this.durableSeq = this.writtenSeq
    this.hooks.durable(this.durableSeq)
  }

  private async roll(): Promise<void> {
    const firstSeq = this.writtenSeq + 1
    const file = segmentFile(firstSeq)
    const fd = await openAsync(inDir(this.opts.dir, file), segmentOpenFlags(true, this.opts.fsync))
    if (this.opts.fsync) await fsyncDir(this.opts.dir)
    const old = this.fd
    this.fd = fd
    this.segments.push({ file, firstSeq, size: 0 })
    // the old segment's records were on disk when their writes returned
    await closeAsync(old)
  }

  private fail(err: Error): void {
    if (this.failure !== null) return
    this.failure = err
    this.queue = []
    this.hooks.failed(err)
  }
}

/** The buffers left after skipping n bytes from the front. */
function dropBytes(bufs: Buffer[], n: number): Buffer[] {
  let i = 0
  while (i < bufs.length && n >= (bufs[i] as Buffer).length) n -= (bufs[i++] as Buffer).length
  if (i === bufs.length) return []
  const rest = bufs.slice(i)
  if (n > 0) rest[0] = (rest[0] as Buffer).subarray(n)
  return rest
}
