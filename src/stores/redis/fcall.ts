// The hot path of every node request: one FCALL through ioredis, without
// ioredis's per-call machinery. A node spends 5–7 µs of client CPU per call
// in `redis.call` (argument spreading and flattening, a string-concatenated
// header, a mixed-buffer copy of each argument, a closure-wrapped promise,
// and a timer per command once commandTimeout is set), against 1–2 µs for
// the bytes themselves.
//
// What stays ioredis's, on purpose: the connection, its command queue (reply
// matching), its offline queue and the re-send of unanswered commands on
// reconnect (the replay lookup of lua/replay.ts relies on it), TLS, AUTH and
// following the Sentinel primary. What is ours: the RESP frame, built once
// into one Buffer (re-sent as is after a reconnect: toWritable is asked
// again), and the call timeout, one watchdog timer for all calls instead of
// one setTimeout/clearTimeout pair each.

import { Command, type Redis } from 'ioredis'

const CRLF = 0x0d0a

/** An FCALL whose wire form is built already: ioredis only queues, writes and matches it. */
class FrameCommand extends Command {
  /** when the call times out (ms, performance.now()); 0: not yet sent */
  due = 0
  constructor (private readonly frame: Buffer, private readonly watchdog: Watchdog) {
    // ioredis's name for checks (subscriber mode, blocking, QUIT): a plain command
    super('fcall', [], { replyEncoding: null })
  }

  override toWritable (): Buffer {
    return this.frame
  }

  /** ioredis asks once per command (the first send), with options.commandTimeout. */
  override setTimeout (ms: number): void {
    if (this.due !== 0) return
    this.due = performance.now() + ms
    this.watchdog.track(this)
  }
}

/**
 * The call timeout for FrameCommands: they are sent in order with the same
 * timeout, so their deadlines are in order too and only the oldest unsettled
 * one needs watching. Checks a tenth of the timeout apart, so a call fails
 * between 1× and 1.1× the timeout after it was sent (ioredis: exactly 1×).
 */
class Watchdog {
  private readonly pending: FrameCommand[] = []
  private head = 0
  private timer: NodeJS.Timeout | undefined
  private every = 0

  track (cmd: FrameCommand): void {
    this.pending.push(cmd)
    const ms = Math.max(10, Math.floor((cmd.due - performance.now()) / 10))
    if (this.timer === undefined || ms < this.every) {
      if (this.timer !== undefined) clearInterval(this.timer)
      this.every = ms
      this.timer = setInterval(() => { this.check() }, ms)
      // a node with nothing outstanding must be able to exit
      this.timer.unref()
    }
  }

  private check (): void {
    const now = performance.now()
    const q = this.pending
    while (this.head < q.length) {
      const cmd = q[this.head]
      if (!cmd.isSettled) {
        if (cmd.due > now) break
        cmd.reject(new Error('Command timed out'))
      }
      this.head++
    }
    if (this.head === q.length) {
      q.length = 0
      this.head = 0
      clearInterval(this.timer)
      this.timer = undefined
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head)
      this.head = 0
    }
  }
}

/** RESP header of FCALL name 1 key, for a given argument count (cached per name and count). */
function header (name: string, key: string, argc: number): Buffer {
  const n = Buffer.byteLength(name)
  const k = Buffer.byteLength(key)
  return Buffer.from(`*${argc + 4}\r\n$5\r\nFCALL\r\n$${n}\r\n${name}\r\n$1\r\n1\r\n$${k}\r\n${key}\r\n`)
}

/** Decimal digits of a non-negative integer (RESP lengths). */
function digits (n: number): number {
  let d = 1
  while (n >= 10) { n = Math.floor(n / 10); d++ }
  return d
}

export type FcallArg = string | Buffer

/**
 * Sends FCALLs of one key through `redis`, replies as Buffers (bulk string
 * replies; integer replies come back as numbers, as from callBuffer).
 */
export class Fcaller {
  private readonly headers = new Map<string, Buffer[]>()
  private readonly watchdog = new Watchdog()

  constructor (private readonly redis: Redis, private readonly key: string) {}

  /** The FCALL's reply (ioredis's ReplyError for a Redis error). */
  call (name: string, args: readonly FcallArg[]): Promise<unknown> {
    const cmd = new FrameCommand(this.frame(name, args), this.watchdog)
    return this.redis.sendCommand(cmd) as Promise<unknown>
  }

  private frame (name: string, args: readonly FcallArg[]): Buffer {
    let byCount = this.headers.get(name)
    if (byCount === undefined) {
      byCount = []
      this.headers.set(name, byCount)
    }
    let head = byCount[args.length]
    if (head === undefined) {
      head = header(name, this.key, args.length)
      byCount[args.length] = head
    }
    // "$<len>\r\n<bytes>\r\n" per argument
    let size = head.length
    const lengths = new Array<number>(args.length)
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      const len = typeof a === 'string' ? Buffer.byteLength(a) : a.length
      lengths[i] = len
      size += 1 + digits(len) + 2 + len + 2
    }
    const out = Buffer.allocUnsafe(size)
    let at = head.copy(out, 0)
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      const len = lengths[i]
      out[at++] = 0x24 // $
      at += out.write(String(len), at, 'latin1')
      out.writeUInt16BE(CRLF, at); at += 2
      at += typeof a === 'string' ? out.write(a, at, 'utf8') : a.copy(out, at)
      out.writeUInt16BE(CRLF, at); at += 2
    }
    return out
  }
}
