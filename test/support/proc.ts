import { type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

/**
 * Process plumbing shared by the server launchers: waiting for exit,
 * reading log tails for error messages, and making sure no server we started
 * outlives the test process (an orphaned JVM would squat a port and memory
 * for every later suite on a 2-core machine).
 */

const live = new Set<ChildProcess>()
const tempDirs = new Set<string>()
let hooked = false

function cleanup (): void {
  for (const c of live) {
    try { c.kill('SIGKILL') } catch { /* already gone */ }
  }
  live.clear()
  for (const d of tempDirs) {
    try { rmSync(d, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 }) } catch { /* best effort */ }
  }
  tempDirs.clear()
}

function hookExit (): void {
  if (hooked) return
  hooked = true
  // 'exit' handlers must be synchronous: a plain kill and rm is all we can do.
  process.once('exit', cleanup)
  // A signal (tap's timeout sends SIGALRM, a developer's Ctrl-C SIGINT)
  // ends the process without 'exit'. Clean up, then re-raise so whatever
  // else listens (or the default action) still decides how the process ends.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM'] as const) {
    const onSignal = (): void => {
      cleanup()
      process.removeListener(sig, onSignal)
      process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

/** Kills `child` when the test process exits, whatever the test did. */
export function track (child: ChildProcess): void {
  hookExit()
  live.add(child)
  child.once('exit', () => live.delete(child))
}

/** Removes `dir` when the test process exits (for dirs kept across restarts). */
export function removeAtExit (dir: string): void {
  hookExit()
  tempDirs.add(dir)
}

export function forgetTempDir (dir: string): void {
  tempDirs.delete(dir)
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

/** Resolves true once `p` settles, or false after `ms` (the timer is cleared either way). */
export async function settlesWithin (p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([p.then(() => true, () => true), timedOut])
  } finally {
    clearTimeout(timer)
  }
}
