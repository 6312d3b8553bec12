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
//
// Preallocation (as ZooKeeper's preAllocSize): the current segment is kept
// zero-filled some MiB ahead of the write position, with written zeros made
// durable once (not a sparse ftruncate: a hole still allocates on write). A
// round then overwrites zeros in place, so its O_DSYNC write changes no file
// size or block map and costs a pure data write: measured 3.8-7.5 ms p50 for
// an appending 25 KB round against 1.1-2.6 ms for an overwrite. The zeros are
// written through a second descriptor between rounds, never in a round's
// path, and a round never enters the range being filled. A busy store also
// keeps a zero-filled spare file that the next roll renames into place.
// Recovery reads a zero tail as the clean end of a segment (recover.ts).

import { close, constants, fdatasync, open, rename, unlink, write, writev } from 'node:fs'
import { promisify } from 'node:util'
import { SPARE_SEGMENT, fsyncDir, inDir, segmentFile, segmentOpenFlags } from './files'

const writevAsync = promisify(writev)
const writeAsync = promisify(write)
const fdatasyncAsync = promisify(fdatasync)
const openAsync = promisify(open)
const closeAsync = promisify(close)
const unlinkAsync = promisify(unlink)
const renameAsync = promisify(rename)

/** Linux's IOV_MAX: the most buffers one writev takes. */
const IOV_MAX = 1024

/** zeros are written in pieces of at most this (one shared buffer, never written to) */
const ZERO_CHUNK = 1024 * 1024
/** preallocation grows in multiples of this */
const FILL_UNIT = 64 * 1024
let zeros: Buffer | undefined

export interface Segment {
  file: string
  firstSeq: number
  /** bytes of valid records */
  size: number
  /** the file's length: valid records plus any zero-filled space after them (default: size) */
  fileBytes?: number
}

export interface LogWriterOptions {
  dir: string
  fsync: boolean
  segmentBytes: number
  /** keep the current segment zero-filled this far ahead of the records (0: off) */
  preallocBytes: number
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
  /** the current segment's bytes known to exist on disk (records, then durable zeros) */
  private allocated: number
  /** zeros being written after `allocated`; rounds stay out of that range until it settles */
  private filling: Promise<void> | null = null
  /** the spare segment: being zero-filled (a promise), ready, or absent */
  private spare: Promise<void> | 'ready' | null = null
  private spareBytes = 0

  constructor(opts: LogWriterOptions, segments: Segment[], fd: number, lastSeq: number, hooks: LogWriterHooks) {
    this.opts = opts
    this.segments = segments
    this.fd = fd
    this.writtenSeq = lastSeq
    this.durableSeq = lastSeq
    this.hooks = hooks
    const cur = this.current
    this.allocated = Math.max(cur.size, cur.fileBytes ?? cur.size)
    this.preallocate()
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
    // background zero-fills finish (their errors are moot now: no more rounds)
    await this.filling
    if (this.spare !== null && this.spare !== 'ready') await this.spare.catch(() => {})
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
        this.preallocate()
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
    // never write into zeros still being laid down (the fill would clobber
    // the records); with preallocation keeping ahead this almost never waits
    if (this.filling !== null && position + bytes > this.allocated) await this.filling
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
    // past the zeros: appended, and the file is now this long
    if (seg.size > this.allocated) this.allocated = seg.size
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
    const path = inDir(this.opts.dir, file)
    // the old segment's fill targets the old file; let it settle first
    await this.filling
    let fd: number
    let fileBytes = 0
    if (this.spare === 'ready') {
      // a zero-filled, fdatasynced file: renamed into place, it starts
      // preallocated. The rename is durable with the directory's fsync below,
      // before any record is written to it.
      this.spare = null
      await renameAsync(inDir(this.opts.dir, SPARE_SEGMENT), path)
      fd = await openAsync(path, segmentOpenFlags(false, this.opts.fsync))
      fileBytes = this.spareBytes
    } else {
      fd = await openAsync(path, segmentOpenFlags(true, this.opts.fsync))
    }
    if (this.opts.fsync) await fsyncDir(this.opts.dir)
    const old = this.fd
    this.fd = fd
    this.segments.push({ file, firstSeq, size: 0, fileBytes })
    this.allocated = fileBytes
    // the old segment's records were on disk when their writes returned
    await closeAsync(old)
    this.preallocate()
    // a store that rolls once rolls again: have the next one's file ready
    if (this.spare === null && this.opts.preallocBytes > 0 && !this.closed) this.startSpare()
  }

  /**
   * Between rounds: when fewer than half of preallocBytes of zeros are left
   * ahead of the records, write the next stretch in the background. A refill
   * or a roll (signs of a busy store) also starts the spare segment for the
   * next roll.
   */
  private preallocate(): void {
    const want = this.opts.preallocBytes
    if (want === 0 || this.filling !== null || this.closed || this.failure !== null) return
    const seg = this.current
    if (this.allocated - seg.size >= want / 2) return
    const from = this.allocated
    // whole units, and no further than the roll point needs
    const to = Math.min(roundUp(seg.size + want, FILL_UNIT), this.segmentLimit(seg.size))
    if (to <= from) return
    if (from > 0 && this.spare === null) this.startSpare()
    const fill = zeroFill(inDir(this.opts.dir, seg.file), from, to, this.opts.fsync).then(
      () => {
        if (this.current === seg) this.allocated = Math.max(this.allocated, to)
      },
      (err: unknown) => this.fail(err as Error),
    )
    this.filling = fill.finally(() => {
      this.filling = null
    })
  }

  /** where zeros stop: the roll point plus one unit of overshoot (a round past it appends) */
  private segmentLimit(size: number): number {
    return roundUp(Math.max(this.opts.segmentBytes, size) + FILL_UNIT, FILL_UNIT)
  }

  private startSpare(): void {
    const path = inDir(this.opts.dir, SPARE_SEGMENT)
    const bytes = Math.min(this.opts.preallocBytes, this.segmentLimit(0))
    this.spareBytes = bytes
    const made = (async () => {
      // a leftover from a crash may be half-filled: start from empty
      await unlinkAsync(path).catch(() => {})
      await zeroFill(path, 0, bytes, this.opts.fsync)
    })()
    this.spare = made.then(
      () => {
        if (this.spare !== null) this.spare = 'ready'
      },
      () => {
        // only an optimisation: the next roll creates its file as before
        this.spare = null
      },
    )
  }

  private fail(err: Error): void {
    if (this.failure !== null) return
    this.failure = err
    this.queue = []
    this.hooks.failed(err)
  }
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit
}

/**
 * Write zeros over [from, to) of file and make them durable (one fdatasync,
 * through its own descriptor: the segment's is O_DSYNC, which would sync
 * every piece separately).
 */
async function zeroFill(file: string, from: number, to: number, fsync: boolean): Promise<void> {
  zeros ??= Buffer.alloc(ZERO_CHUNK)
  const fd = await openAsync(file, constants.O_WRONLY | constants.O_CREAT)
  try {
    for (let pos = from; pos < to; ) {
      const { bytesWritten } = await writeAsync(fd, zeros, 0, Math.min(ZERO_CHUNK, to - pos), pos)
      if (bytesWritten <= 0) throw new Error(`zero-filling ${file} wrote nothing`)
      pos += bytesWritten
    }
    if (fsync) await fdatasyncAsync(fd)
  } finally {
    await closeAsync(fd)
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
