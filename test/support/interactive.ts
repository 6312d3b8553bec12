import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { hasExited, terminate, track } from './proc'

/**
 * Drives an interactive command-line program (zkCli.sh, cli_mt) over its
 * stdin and reads what it prints. stdout and stderr are collected into one
 * transcript because these clients print answers on either stream.
 *
 * Reads are position-based: `mark()` remembers where the transcript is, and
 * `waitFor(pattern, from)` only looks at output after that point, so an
 * earlier identical line can never satisfy a later expectation.
 */
export class Interactive {
  readonly name: string
  private readonly child: ChildProcess
  private text = ''
  private waiters: Array<() => void> = []

  constructor (name: string, command: string, args: string[], opts: SpawnOptions = {}) {
    this.name = name
    this.child = spawn(command, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] })
    track(this.child)
    const onData = (chunk: Buffer): void => {
      this.text += chunk.toString('utf8')
      this.wake()
    }
    this.child.stdout?.on('data', onData)
    this.child.stderr?.on('data', onData)
    this.child.on('exit', () => this.wake())
    // A closed stdin (the program quit) must not crash the test process.
    this.child.stdin?.on('error', () => {})
  }

  get transcript (): string { return this.text }
  get exited (): boolean { return hasExited(this.child) }

  mark (): number { return this.text.length }

  send (line: string): void {
    this.child.stdin?.write(line + '\n')
  }

  /**
   * Resolves with the first match of `pattern` in the output after `from`,
   * and rejects after `timeoutMs` with the recent transcript in the message.
   */
  async waitFor (pattern: RegExp | string, from = 0, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const re = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = re.exec(this.text.slice(from))
      if (m !== null) return m
      if (this.exited) throw new Error(`${this.name} exited before printing ${re}\n--- transcript ---\n${this.tail(from)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms\n--- transcript ---\n${this.tail(from)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        function done (): void { clearTimeout(timer); resolve() }
        this.waiters.push(done)
      })
    }
  }

  /** Closes stdin and waits for the program to exit (SIGKILL after `graceMs`). */
  async close (graceMs = 10_000): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.stdin?.end()
    const timer = setTimeout(() => { void terminate(this.child, 'SIGKILL') }, graceMs)
    await exited
    clearTimeout(timer)
  }

  async kill (): Promise<void> {
    await terminate(this.child, 'SIGKILL')
  }

  private tail (from: number): string {
    const s = this.text.slice(from)
    return s.length > 4000 ? '…' + s.slice(-4000) : s
  }

  private wake (): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }
}

export function escapeRegExp (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
