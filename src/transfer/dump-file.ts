// Reading and writing dump files as streams: a line at a time in, a line at
// a time out (waiting for the disk when it falls behind), so a tree of any
// size passes through a bounded amount of memory.

import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { DumpFormatError, TransferError } from './errors'
import { endLine, headerLine, znodeLine, type DumpEnd, type DumpHeader, type ZnodeRecord } from './format'
import { LineError, parseBodyLine, parseHeader } from './parse'

/** Writes header, znode lines and the end line; resolves to the number of znodes written. */
export async function writeDump (out: Writable, header: DumpHeader, records: AsyncIterable<ZnodeRecord>, end: () => string, onRecord?: (n: number) => void): Promise<number> {
  await write(out, headerLine(header))
  let n = 0
  for await (const rec of records) {
    await write(out, znodeLine(rec))
    onRecord?.(++n)
  }
  await write(out, endLine({ end: true, znodes: n, zxid: end() }))
  return n
}

function write (out: Writable, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => { out.off('drain', onDrain); reject(err) }
    const onDrain = (): void => { out.off('error', onError); resolve() }
    out.once('drain', onDrain)
    out.once('error', onError)
  })
}

export interface DumpSummary {
  header: DumpHeader
  znodes: number
  /** the paths one level below the root, which decide whether the target already holds any of the tree */
  topLevel: string[]
}

/**
 * Reads a whole dump, checking every line (JSON, fields, known version,
 * parent before child, the end line and its count) without keeping more than
 * the set of paths. Run before the first write so a bad file writes nothing.
 */
export async function checkDump (file: string): Promise<DumpSummary> {
  const seen = new Set<string>()
  const topLevel: string[] = []
  let header: DumpHeader | undefined
  let n = 0
  for await (const e of entries(file)) {
    if ('format' in e) {
      header = e
      continue
    }
    const { rec, line } = e
    if (seen.has(rec.path)) throw new DumpFormatError(file, line, `${rec.path} appears twice`)
    const parent = parentOf(rec.path)
    if (parent === null) {
      if (n > 0) throw new DumpFormatError(file, line, 'the root "/" must be the first znode')
    } else if (!seen.has(parent)) {
      throw new DumpFormatError(file, line, `${rec.path} comes before its parent ${parent}`)
    }
    if (parent === '/') topLevel.push(rec.path)
    seen.add(rec.path)
    n++
  }
  return { header: header as DumpHeader, znodes: n, topLevel }
}

/** The znode records of a dump, in file order (run checkDump first). */
export async function * readDump (file: string): AsyncGenerator<ZnodeRecord> {
  for await (const e of entries(file)) {
    if (!('format' in e)) yield e.rec
  }
}

type Entry = DumpHeader | { rec: ZnodeRecord, line: number }

async function * entries (file: string): AsyncGenerator<Entry> {
  const input = createReadStream(file, { encoding: 'utf8' })
  const lines = createInterface({ input, crlfDelay: Infinity })
  let no = 0
  let end: DumpEnd | undefined
  let count = 0
  try {
    for await (const line of lines) {
      no++
      try {
        if (no === 1) {
          yield parseHeader(line)
          continue
        }
        if (end !== undefined) throw new LineError('text after the end line')
        const e = parseBodyLine(line)
        if ('end' in e) {
          if (e.znodes !== count) throw new LineError(`the end line counts ${e.znodes} znodes but the file holds ${count}`)
          end = e
          continue
        }
        count++
        yield { rec: e, line: no }
      } catch (err) {
        if (err instanceof LineError) throw new DumpFormatError(file, no, err.message)
        throw err
      }
    }
  } catch (err) {
    if (err instanceof DumpFormatError) throw err
    const e = err as NodeJS.ErrnoException
    throw new TransferError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
  } finally {
    lines.close()
    input.destroy()
  }
  if (no === 0) throw new DumpFormatError(file, 0, 'empty file (no header line)')
  if (end === undefined) throw new DumpFormatError(file, 0, `truncated: no end line after ${count} znodes (line ${no} is the last)`)
}

export function parentOf (path: string): string | null {
  if (path === '/') return null
  const i = path.lastIndexOf('/')
  return i === 0 ? '/' : path.slice(0, i)
}
