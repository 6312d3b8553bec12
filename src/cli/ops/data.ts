// Znode data from the command line: an argument (text, or --base64/--hex),
// a file (--file), or stdin ("-" or --file -). Bytes travel to the server as
// base64, so any data round-trips exactly.

import { readFileSync } from 'node:fs'
import { UsageError } from '../errors'
import { bool, str, type OpArgs } from './options'

export const DATA_FLAGS = { strings: ['file'], booleans: ['base64', 'hex'] }

export const DATA_HELP = `  --file <path>           read the data from a file (- for stdin)
  --base64, --hex         the data argument is base64 or hex, not text
`

/** Reads all of stdin (fd 0) synchronously: the command does nothing else meanwhile. */
function readStdin (): Buffer {
  return readFileSync(0)
}

/**
 * The data to write, or undefined when none was given (create: null data).
 * `arg` is the positional after the path.
 */
export function dataOf (a: OpArgs, arg: string | undefined): Buffer | undefined {
  const file = str(a, 'file')
  const b64 = bool(a, 'base64')
  const hex = bool(a, 'hex')
  if (b64 && hex) throw new UsageError('--base64 and --hex are exclusive')
  if (file !== undefined) {
    if (arg !== undefined) throw new UsageError('give the data as an argument or with --file, not both')
    if (b64 || hex) throw new UsageError('--base64/--hex describe a data argument, not --file (files are read as bytes)')
    if (file === '-') return readStdin()
    try {
      return readFileSync(file)
    } catch (err) {
      throw new UsageError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  if (arg === undefined) return undefined
  if (arg === '-' && !b64 && !hex) return readStdin()
  if (b64) {
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(arg)) throw new UsageError('the data is not valid base64 (RFC 4648, padded)')
    return Buffer.from(arg, 'base64')
  }
  if (hex) {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(arg)) throw new UsageError('the data is not hex (pairs of 0-9a-f)')
    return Buffer.from(arg, 'hex')
  }
  return Buffer.from(arg, 'utf8')
}

/** The JSON body fields for data bytes. */
export function dataBody (bytes: Buffer): { data: string, encoding: 'base64' } {
  return { data: bytes.toString('base64'), encoding: 'base64' }
}
