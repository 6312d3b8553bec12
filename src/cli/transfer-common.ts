// What `export` and `import` share: address and auth flags as usage errors,
// and progress lines on stderr (stdout stays free for `--file -`).

import { parseAuth, parseTarget, TransferError, type Address, type AuthSpec } from '../transfer'
import type { Io } from './command'
import { UsageError } from './errors'
import { positiveInt, type Parser } from './settings'
import { BadValue } from './settings'

export function addressFlag (flag: string, raw: string | undefined): Address {
  if (raw === undefined) throw new UsageError(`missing --${flag} (host:port[/chroot])`)
  try {
    return parseTarget(raw)
  } catch (err) {
    if (err instanceof TransferError) throw new UsageError(`--${flag}: ${err.message}`)
    throw err
  }
}

export function authFlag (flag: string, raw: string | undefined): AuthSpec | undefined {
  if (raw === undefined) return undefined
  try {
    return parseAuth(raw)
  } catch (err) {
    if (err instanceof TransferError) throw new UsageError(`--${flag}: ${err.message}`)
    throw err
  }
}

export function intFlag (flag: string, raw: string | undefined, fallback: number, parse: Parser<number> = positiveInt): number {
  if (raw === undefined) return fallback
  try {
    return parse(raw)
  } catch (err) {
    if (err instanceof BadValue) throw new UsageError(`--${flag}: ${err.message}`)
    throw err
  }
}

/** A counter printed at most once a second, and a final line. */
export class Progress {
  private last = Date.now()
  readonly started = Date.now()
  constructor (private readonly io: Io, private readonly verb: string, private readonly quiet: boolean) {}

  tick (n: number): void {
    if (this.quiet) return
    const now = Date.now()
    if (now - this.last < 1000) return
    this.last = now
    this.io.err(`redkeeper ${this.verb}: ${n} znodes so far\n`)
  }

  seconds (): string {
    return ((Date.now() - this.started) / 1000).toFixed(2)
  }

  done (line: string): void {
    if (!this.quiet) this.io.err(`redkeeper ${this.verb}: ${line}\n`)
  }
}
