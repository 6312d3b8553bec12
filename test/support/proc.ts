import { type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * Process plumbing shared by the server launchers: waiting for exit,
 * reading log tails for error messages, and making sure no server we started
 * outlives the test process (an orphaned JVM would squat a port and memory
 * for every later suite on a 2-core machine).
 */

const live = new Set<ChildProcess>()
let hooked = false

export function track (child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (!hooked) {
    hooked = true
    // 'exit' handlers must be synchronous: a plain kill is all we can do.
    process.once('exit', () => {
      for (const c of live) {
        try { c.kill('SIGKILL') } catch { /* already gone */ }
      }
    })
  }
}

export function hasExited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves when the child has exited; SIGKILLs it if it ignores `signal` for `graceMs`. */
export async function terminate (child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (hasExited(child)) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  if (signal === 'SIGKILL') return exited
  let timer: NodeJS.Timeout | undefined
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (!hasExited(child)) child.kill('SIGKILL')
      resolve()
    }, graceMs)
  })
  await Promise.race([exited, forced])
  clearTimeout(timer)
  await exited
}

export function logTail (file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8')
    return text.split('\n').slice(-lines).join('\n')
  } catch (err) {
    return `(no log at ${file}: ${(err as Error).message})`
  }
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
