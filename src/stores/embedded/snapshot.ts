// Snapshots: the whole durable state after log record <seq>, as frames of the
// same operations the log holds.
//
//   frame "RKSNAP01" f64 seq f64 zxid          header
//   frame ops...                               ~1 MiB each
//   frame "RKSNAPEN" f64 seq f64 nodeCount     trailer: the file is complete
//
// Written to snap.<seq>.tmp, fsynced, renamed, and the directory fsynced, so
// a snap.<seq> file is either absent or complete; the checksums and trailer
// catch anything the disk did to it afterwards.

import { readFileSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import type { Zxid } from '../../engine/types'
import { Reader, Writer, applyOps, encodeChildSet, encodeEphemeralSet, encodePutNode, encodePutSession, encodeSetZxid } from './codec'
import { CorruptDataError } from './errors'
import { fsyncDir, inDir, snapshotFile } from './files'
import { readFrame } from './frame'
import { MemoryState } from './state'

const HEAD = Buffer.from('RKSNAP01', 'latin1')
const TAIL = Buffer.from('RKSNAPEN', 'latin1')
const CHUNK_BYTES = 1024 * 1024

export interface SnapshotImage {
  seq: number
  zxid: Zxid
  nodeCount: number
  bytes: Buffer
}

/**
 * Serialise the state synchronously. This is the only moment the state must
 * hold still; the write happens afterwards, off the event loop's critical path.
 */
export function encodeSnapshot(state: MemoryState, seq: number): SnapshotImage {
  const w = new Writer()
  let start = w.beginFrame()
  for (const b of HEAD) w.u8(b)
  w.f64(seq)
  w.f64(state.zxid)
  w.endFrame(start)

  start = w.beginFrame()
  let chunkStart = w.pos
  // cut a frame whenever the current one passes CHUNK_BYTES
  const cut = (): void => {
    if (w.pos - chunkStart < CHUNK_BYTES) return
    w.endFrame(start)
    start = w.beginFrame()
    chunkStart = w.pos
  }
  encodeSetZxid(w, state.zxid)
  for (const [path, node] of state.nodes) {
    encodePutNode(w, path, node)
    cut()
  }
  for (const [parent, names] of state.children) {
    encodeChildSet(w, parent, names, names.size)
    cut()
  }
  for (const session of state.sessions.values()) {
    encodePutSession(w, session)
    cut()
  }
  for (const [id, paths] of state.ephemerals) {
    encodeEphemeralSet(w, id, paths, paths.size)
    cut()
  }
  if (w.pos > chunkStart) w.endFrame(start)
  else w.pos = start // drop an empty trailing frame

  start = w.beginFrame()
  for (const b of TAIL) w.u8(b)
  w.f64(seq)
  w.f64(state.nodes.size)
  w.endFrame(start)
  return { seq, zxid: state.zxid, nodeCount: state.nodes.size, bytes: w.buf.subarray(0, w.pos) }
}

/** Write the image durably as snap.<seq>; returns the file name. */
export async function writeSnapshot(dir: string, image: SnapshotImage, fsync: boolean): Promise<string> {
  const file = snapshotFile(image.seq)
  const tmp = inDir(dir, `${file}.tmp`)
  const h = await open(tmp, 'w')
  try {
    await h.writeFile(image.bytes)
    if (fsync) await h.sync()
  } finally {
    await h.close()
  }
  await rename(tmp, inDir(dir, file))
  if (fsync) await fsyncDir(dir)
  return file
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
  for (;;) {
    fr = readFrame(buf, offset)
    if (fr.kind === 'eof') throw new CorruptDataError('truncated: no trailer')
    if (fr.kind !== 'frame') throw new CorruptDataError(`damaged frame at byte ${offset}: ${fr.reason}`)
    if (fr.end - fr.start === 24 && hasMagic(buf, fr.start, TAIL)) {
      const tail = new Reader(buf, fr.start + TAIL.length, fr.end)
      const tailSeq = tail.f64()
      const nodeCount = tail.f64()
      if (tailSeq !== seq) throw new CorruptDataError(`trailer seq ${tailSeq} does not match header seq ${seq}`)
      if (nodeCount !== state.nodes.size) throw new CorruptDataError(`trailer counts ${nodeCount} znodes, file holds ${state.nodes.size}`)
      if (fr.next !== buf.length) throw new CorruptDataError(`${buf.length - fr.next} stray bytes after the trailer`)
      return { seq, zxid }
    }
    applyOps(new Reader(buf, fr.start, fr.end), state)
    offset = fr.next
  }
}
