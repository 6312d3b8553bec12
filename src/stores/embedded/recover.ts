// Startup: rebuild the state from the newest readable snapshot plus the log
// records after it. Runs synchronously: nothing else can use the store yet.
//
// What is tolerated, and what is not:
// - zeros after the last record of a segment: the preallocated space
//   (log-writer.ts), the normal end of a segment, left as it is;
// - a torn record at the end of the last segment, followed only by zeros or
//   the end of the file (the process died mid-write, so that record was never
//   acknowledged): truncated and logged;
// - a damaged snapshot when an older snapshot, or the log from record 1, can
//   take its place: renamed to *.corrupt and logged;
// - anything else (a bad record followed by more data, a gap in the sequence,
//   a log that does not reach back to the snapshot): StoreOpenError. Those
//   records may have been acknowledged, and starting without them would
//   silently lose them.

import { ftruncateSync, fsyncSync, closeSync, openSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs'
import type { Zxid } from '../../engine/types'
import { Reader, applyOps } from './codec'
import { CorruptDataError, StoreOpenError, describeIoError } from './errors'
import { SPARE_SEGMENT, inDir, listDataDir } from './files'
import { isZeroFrom, readFrame, type FrameRead } from './frame'
import type { Segment } from './log-writer'
import type { StoreLogger } from './logger'
import { readSnapshot } from './snapshot'
import { MemoryState } from './state'

export interface SnapshotRef {
  file: string
  seq: number
}

export interface Recovered {
  state: MemoryState
  /** seq of the last record applied */
  appliedSeq: number
  /** the snapshot the state was loaded from (seq 0 / zxid 0 when none) */
  snapshotSeq: number
  snapshotZxid: Zxid
  /** snapshot files still on disk, newest first */
  snapshots: SnapshotRef[]
  /** log segments, oldest first, with their sizes after any truncation */
  segments: Segment[]
  /** bytes of the records replayed on top of the snapshot */
  replayedBytes: number
}

export function recover(dir: string, log: StoreLogger, fsync: boolean): Recovered {
  const listing = listDataDir(dir)
  for (const tmp of listing.temps) {
    // an interrupted snapshot write; the log still holds everything in it
    unlinkSync(inDir(dir, tmp))
    log.info({ file: tmp }, 'removed an unfinished snapshot')
  }
  // zeros only, perhaps half-written by a crash: the writer makes a new one
  rmSync(inDir(dir, SPARE_SEGMENT), { force: true })

  const firstLogged = listing.segments.length > 0 ? (listing.segments[0] as { firstSeq: number }).firstSeq : Infinity
  let state = new MemoryState()
  let snapshotSeq = 0
  let snapshotZxid = 0
  const snapshots: SnapshotRef[] = []
  const corrupt: string[] = []
  /** the newest snapshot seq seen, readable or not: the log must reach it */
  const newest = listing.snapshots.length > 0 ? (listing.snapshots[0] as SnapshotRef).seq : 0
  let loaded = false
  for (const snap of listing.snapshots) {
    if (loaded) {
      snapshots.push(snap)
      continue
    }
    const path = inDir(dir, snap.file)
    const candidate = new MemoryState()
    try {
      const meta = readSnapshot(path, candidate)
      if (meta.seq !== snap.seq) throw new CorruptDataError(`holds seq ${meta.seq}, its name says ${snap.seq}`)
      state = candidate
      snapshotSeq = meta.seq
      snapshotZxid = meta.zxid
      snapshots.push(snap)
      loaded = true
    } catch (err) {
      const why = err instanceof CorruptDataError ? err.message : describeIoError(err)
      // Usable only if something older can stand in for it: another snapshot,
      // or a log that still starts at record 1.
      const olderSnapshot = listing.snapshots.some((s) => s.seq < snap.seq)
      if (!olderSnapshot && firstLogged > 1) {
        throw new StoreOpenError(`snapshot ${path} is unreadable (${why}) and no older snapshot or complete log can replace it`, { cause: err })
      }
      corrupt.push(path)
      log.warn({ file: snap.file, reason: why }, 'snapshot unreadable; falling back to an older one')
    }
  }

  const segments: Segment[] = []
  let expected = snapshotSeq + 1
  let replayedBytes = 0
  const last = listing.segments.length - 1
  for (let i = 0; i <= last; i++) {
    const seg = listing.segments[i] as { file: string; firstSeq: number }
    const path = inDir(dir, seg.file)
    const buf = readFileSync(path)
    let offset = 0
    let first = true
    let fileBytes = buf.length
    for (;;) {
      const fr = readFrame(buf, offset)
      if (fr.kind === 'eof') break
      if (fr.kind !== 'frame') {
        // preallocated space: the clean end of this segment's records
        if (isZeroFrom(buf, offset)) break
        if (i !== last || !isCrashTail(buf, fr)) {
          throw new StoreOpenError(`log segment ${path} is damaged at byte ${offset} of ${buf.length} (${fr.reason}); refusing to start, since records after it may have been acknowledged`)
        }
        truncate(path, offset, fsync)
        fileBytes = offset
        log.warn({ file: seg.file, offset, dropped: lastNonZero(buf) + 1 - offset, reason: fr.reason }, 'truncated a torn record at the end of the log (a write cut short by a crash; never acknowledged)')
        break
      }
      const r = new Reader(buf, fr.start, fr.end)
      const seq = r.f64()
      if (first && seq !== seg.firstSeq) {
        throw new StoreOpenError(`log segment ${path} starts with record ${seq}, its name says ${seg.firstSeq}`)
      }
      first = false
      if (seq >= expected) {
        if (seq !== expected) {
          throw new StoreOpenError(`log records ${expected}..${seq - 1} are missing before ${path} byte ${offset}; refusing to start without them`)
        }
        try {
          applyOps(r, state)
        } catch (err) {
          const why = err instanceof CorruptDataError ? err.message : describeIoError(err)
          throw new StoreOpenError(`log record ${seq} in ${path} cannot be decoded (${why})`, { cause: err })
        }
        expected++
        replayedBytes += fr.next - offset
      }
      offset = fr.next
    }
    segments.push({ file: seg.file, firstSeq: seg.firstSeq, size: offset, fileBytes })
  }

  const appliedSeq = expected - 1
  if (appliedSeq < newest) {
    // a damaged newest snapshot was skipped, and the log does not cover it
    throw new StoreOpenError(`the log in ${dir} ends at record ${appliedSeq}, before unreadable snapshot ${newest}; refusing to start without the records in between`)
  }
  // only now that the fallback is known to be complete: a failed open must
  // leave the directory as it found it
  for (const path of corrupt) {
    renameSync(path, `${path}.corrupt`)
    log.warn({ file: path }, 'set aside an unreadable snapshot as .corrupt')
  }
  return { state, appliedSeq, snapshotSeq, snapshotZxid, snapshots, segments, replayedBytes }
}

/**
 * A bad frame in the last segment is what a crash mid-write leaves when
 * nothing but zeros (the preallocated space) or the end of the file follows
 * it: the frame runs past the end, or its checksum fails and zeros follow
 * where it ends. Anything else after it may be a later, acknowledged round.
 */
function isCrashTail(buf: Buffer, fr: Exclude<FrameRead, { kind: 'frame' | 'eof' }>): boolean {
  return fr.kind === 'short' || (fr.next !== -1 && isZeroFrom(buf, fr.next))
}

/** Index of the last non-zero byte (-1: none). From the end: the zeros are the preallocated tail. */
function lastNonZero(buf: Buffer): number {
  let i = buf.length - 1
  while (i >= 0 && buf[i] === 0) i--
  return i
}

function truncate(path: string, size: number, fsync: boolean): void {
  const fd = openSync(path, 'r+')
  try {
    ftruncateSync(fd, size)
    if (fsync) fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
