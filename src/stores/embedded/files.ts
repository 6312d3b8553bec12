// The data directory's layout and the small filesystem steps durability needs.
//
//   LOCK                      pid of the process that has the store open
//   log.<first seq>           log segments, 16-digit zero-padded so names sort
//   log.spare                 a zero-filled file the next segment roll renames into place
//   snap.<seq>                snapshots: the state after record <seq>
//   snap.<seq>.tmp            a snapshot being written (removed at open)

import { closeSync, constants, fsyncSync, openSync, readdirSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'

const DIGITS = 16 // 2^53 has 16 decimal digits
const LOG_RE = /^log\.(\d{16})$/
const SNAP_RE = /^snap\.(\d{16})$/
const TMP_RE = /^snap\.\d{16}\.tmp$/

export const LOCK_FILE = 'LOCK'
/** never matches LOG_RE: a spare is not a segment until renamed to one */
export const SPARE_SEGMENT = 'log.spare'

export function segmentFile(firstSeq: number): string {
  return `log.${String(firstSeq).padStart(DIGITS, '0')}`
}

export function snapshotFile(seq: number): string {
  return `snap.${String(seq).padStart(DIGITS, '0')}`
}

export interface Listing {
  /** ascending first seq */
  segments: { file: string; firstSeq: number }[]
  /** descending seq: newest first */
  snapshots: { file: string; seq: number }[]
  /** leftovers of interrupted snapshot writes */
  temps: string[]
}

export function listDataDir(dir: string): Listing {
  const out: Listing = { segments: [], snapshots: [], temps: [] }
  for (const name of readdirSync(dir)) {
    let m = LOG_RE.exec(name)
    if (m !== null) {
      out.segments.push({ file: name, firstSeq: Number(m[1]) })
      continue
    }
    m = SNAP_RE.exec(name)
    if (m !== null) {
      out.snapshots.push({ file: name, seq: Number(m[1]) })
      continue
    }
    if (TMP_RE.test(name)) out.temps.push(name)
  }
  out.segments.sort((a, b) => a.firstSeq - b.firstSeq)
  out.snapshots.sort((a, b) => b.seq - a.seq)
  return out
}

/**
 * Make the directory's entries (created, renamed, removed files) durable: on
 * Linux an fsync of a file does not promise that its name survives a crash.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export function inDir(dir: string, file: string): string {
  return join(dir, file)
}

/**
 * open(2) flags for a log segment. With fsync on, segments are opened
 * O_DSYNC: a write returns only once its bytes are on disk, so a batch costs
 * one system call and one thread-pool round trip instead of a writev and an
 * fdatasync each (the second round trip sat on every write's latency).
 * `create`: a new segment, which must not exist yet (a seq is never reused).
 */
export function segmentOpenFlags(create: boolean, fsync: boolean): number {
  const base = create ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL : constants.O_RDWR
  return fsync ? base | constants.O_DSYNC : base
}
