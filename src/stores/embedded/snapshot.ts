// Snapshots: the durable state as of log record <seq>, as frames of the
// same operations the log holds.
//
//   frame "RKSNAP01" f64 seq f64 zxid          header
//   frame ops...                               ~1 MiB each
//   frame "RKSNAPEN" f64 seq f64 nodeCount     trailer: the file is complete
//
// Written to snap.<seq>.tmp, fsynced, renamed, and the directory fsynced, so
// a snap.<seq> file is either absent or complete; the checksums and trailer
// catch anything the disk did to it afterwards.
//
// Fuzzy, as ZooKeeper's: the state is read in slices between which writes go
// on, so the file holds each key (a znode, one child name, a session, one
// ephemeral path) as it was at some moment between record <seq> and the end
// of the serialisation. That is enough because every logged operation is an
// assignment to keys (put = set, delete = unset, a node's or session's delete
// also unsets its child or ephemeral set): replaying every record after <seq>
// in order gives each key that changed meanwhile its last value, and a key
// that did not change was read with the value it had at <seq>. The store
// publishes the file only once the log is durable up to the last record
// applied before the serialisation ended, so recovery always has those records.
// nodeCount counts the put-node operations in the file (a path deleted and
// created again during the serialisation can be written twice).

import { readFileSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import type { Zxid } from '../../engine/types'
import { OP_CHILD_SET, OP_EPHEMERAL_SET, Reader, Writer, applyOps, encodePutNode, encodePutSession, encodeSetZxid } from './codec'
import { CorruptDataError } from './errors'
import { fsyncDir, inDir, snapshotFile } from './files'
import { FRAME_HEADER_BYTES, readFrame } from './frame'
import { MemoryState } from './state'

const HEAD = Buffer.from('RKSNAP01', 'latin1')
const TAIL = Buffer.from('RKSNAPEN', 'latin1')
const CHUNK_BYTES = 1024 * 1024
/** names per OP_CHILD_SET / OP_EPHEMERAL_SET op: a huge set is split so that a slice can end inside it */
const SET_CHUNK = 1024

export interface SnapshotResult {
  file: string
  seq: number
  zxid: Zxid
  /** put-node operations written */
  nodeCount: number
  bytes: number
  /** wall time from the first slice to the end of the serialisation */
  serializeMs: number
  /** the longest slice: how long the event loop was held at once */
  longestSliceMs: number
  slices: number
}

export interface SnapshotTarget {
  dir: string
  fsync: boolean
  /** entries (znodes, child names, sessions, ephemeral paths) serialised per slice */
  sliceEntries: number
  /** called after the last slice: resolves once the log is durable past every record the file may reflect */
  beforePublish: () => Promise<void>
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Serialise the state as of record seq into snap.<seq>, a slice of
 * target.sliceEntries entries per event-loop turn while writes go on (see the
 * header comment for why that is correct), and publish it.
 */
export async function writeFuzzySnapshot(state: MemoryState, seq: number, target: SnapshotTarget): Promise<SnapshotResult> {
  const file = snapshotFile(seq)
  const tmp = inDir(target.dir, `${file}.tmp`)
  const zxid = state.zxid
  const h = await open(tmp, 'w')
  let closed = false
  try {
    const w = new Writer()
    let bytes = 0
    let nodeCount = 0
    let entries = 0
    let slices = 1
    let longestSliceMs = 0
    const t0 = performance.now()
    let sliceStart = t0
    /** around every await: the time between two is how long the event loop was held */
    const pause = (): void => {
      longestSliceMs = Math.max(longestSliceMs, performance.now() - sliceStart)
    }
    const resume = (): void => {
      slices++
      sliceStart = performance.now()
    }

    let start = w.beginFrame()
    for (const b of HEAD) w.u8(b)
    w.f64(seq)
    w.f64(zxid)
    w.endFrame(start)
    start = w.beginFrame()

    /** writes out what is framed so far; the Writer's buffer is reused, so the write is awaited */
    const flush = async (): Promise<void> => {
      if (w.pos === 0) return
      pause()
      await h.write(w.buf, 0, w.pos)
      resume()
      bytes += w.pos
      w.reset()
    }
    const full = (): boolean => w.pos - start >= CHUNK_BYTES
    /** counts an entry; true when the frame must be cut or the slice end (an open set op must be closed first) */
    const due = (): boolean => ++entries % target.sliceEntries === 0 || full()
    /** a set as ops of at most SET_CHUNK members, the count backfilled; the set may change between slices */
    function* set(tag: number, key: () => void, members: Iterable<string>): Generator<void, void, void> {
      let countPos = -1
      let count = 0
      for (const m of members) {
        if (countPos < 0) {
          w.u8(tag)
          key()
          countPos = w.pos
          w.u32(0)
        }
        w.str(m)
        const boundary = due()
        if (++count === SET_CHUNK || boundary) {
          w.buf.writeUInt32LE(count, countPos)
          countPos = -1
          count = 0
        }
        if (boundary) yield
      }
      if (countPos >= 0) w.buf.writeUInt32LE(count, countPos)
    }
    /**
     * Encodes everything, yielding only where the driver below must act (at
     * an op boundary): a plain loop per entry, no promise per entry.
     */
    function* body(): Generator<void, void, void> {
      encodeSetZxid(w, zxid)
      for (const [path, node] of state.nodes) {
        encodePutNode(w, path, node)
        nodeCount++
        if (due()) yield
      }
      for (const [parent, names] of state.children) yield* set(OP_CHILD_SET, () => w.str(parent), names)
      for (const session of state.sessions.values()) {
        encodePutSession(w, session)
        if (due()) yield
      }
      for (const [id, paths] of state.ephemerals) yield* set(OP_EPHEMERAL_SET, () => w.f64(id), paths)
    }

    const it = body()
    while (it.next().done !== true) {
      if (full()) {
        w.endFrame(start)
        await flush()
        start = w.beginFrame()
      }
      if (entries % target.sliceEntries === 0) {
        pause()
        await nextTick()
        resume()
      }
    }
    if (w.pos > start + FRAME_HEADER_BYTES) w.endFrame(start)
    else w.pos = start // drop an empty trailing frame
    pause()
    const serializeMs = performance.now() - t0

    start = w.beginFrame()
    for (const b of TAIL) w.u8(b)
    w.f64(seq)
    w.f64(nodeCount)
    w.endFrame(start)
    await flush()
    if (target.fsync) await h.sync()
    closed = true
    await h.close()
    // never publish a snapshot ahead of the log: it may reflect any record applied until now
    await target.beforePublish()
    await rename(tmp, inDir(target.dir, file))
    if (target.fsync) await fsyncDir(target.dir)
    return { file, seq, zxid, nodeCount, bytes, serializeMs, longestSliceMs, slices }
  } catch (err) {
    if (!closed) await h.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
}

function hasMagic(buf: Buffer, start: number, magic: Buffer): boolean {
  return buf.compare(magic, 0, magic.length, start, start + magic.length) === 0
}

/** Load a snapshot into state; throws CorruptDataError when the file is not a complete, intact snapshot. */
export function readSnapshot(path: string, state: MemoryState): { seq: number; zxid: Zxid } {
  const buf = readFileSync(path)
  let fr = readFrame(buf, 0)
  if (fr.kind !== 'frame' || fr.end - fr.start !== 24 || !hasMagic(buf, fr.start, HEAD)) {
    throw new CorruptDataError('missing or damaged header')
  }
  const head = new Reader(buf, fr.start + HEAD.length, fr.end)
  const seq = head.f64()
  const zxid = head.f64()
  let offset = fr.next
  let puts = 0
  for (;;) {
    fr = readFrame(buf, offset)
    if (fr.kind === 'eof') throw new CorruptDataError('truncated: no trailer')
    if (fr.kind !== 'frame') throw new CorruptDataError(`damaged frame at byte ${offset}: ${fr.reason}`)
    if (fr.end - fr.start === 24 && hasMagic(buf, fr.start, TAIL)) {
      const tail = new Reader(buf, fr.start + TAIL.length, fr.end)
      const tailSeq = tail.f64()
      const nodeCount = tail.f64()
      if (tailSeq !== seq) throw new CorruptDataError(`trailer seq ${tailSeq} does not match header seq ${seq}`)
      if (nodeCount !== puts) throw new CorruptDataError(`trailer counts ${nodeCount} znodes, file holds ${puts}`)
      if (fr.next !== buf.length) throw new CorruptDataError(`${buf.length - fr.next} stray bytes after the trailer`)
      return { seq, zxid }
    }
    puts += applyOps(new Reader(buf, fr.start, fr.end), state)
    offset = fr.next
  }
}
