import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import { join } from 'node:path'
import { hasExited, logTail, sleep, track } from './proc'
import { REPO_ROOT } from './redkeeper'

/**
 * Plumbing shared by the distributed-topology launchers (redis-server,
 * `redkeeper node`, `redkeeper sidecar`, haproxy): spawn a real process with
 * its output in a log file, wait until it is ready, and explain a failure
 * with the log's tail. Every process is tracked, so none outlives the test.
 */

export const BIN = join(REPO_ROOT, 'bin', 'redkeeper.js')
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')

export interface Spawned {
  child: ChildProcess
  pid: number
  /** log size before this process wrote anything: restarts append to the same file */
  offset: number
}

/** Spawns `cmd` with stdout and stderr appended to `logFile`. */
export function spawnLogged (name: string, cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Spawned {
  const offset = existsSync(logFile) ? statSync(logFile).size : 0
  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd] })
  } finally {
    closeSync(fd)
  }
  track(child)
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${cmd}\n${logTail(logFile)}`)
  // Without a listener a spawn error (ENOENT) would be thrown at the test.
  child.on('error', () => {})
  return { child, pid: child.pid, offset }
}

/**
 * Polls `check` until it returns a value, failing early (with the log's
 * tail) if the process exits, and after `timeoutMs`.
 */
export async function waitReady<T> (name: string, s: Spawned, logFile: string, check: () => Promise<T | null> | T | null, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // Exit is checked before the probe, so "ready then crashed" is a crash.
    const exited = hasExited(s.child)
    const found = exited ? null : await check()
    if (exited) {
      throw new Error(`${name}: exited (code ${s.child.exitCode}, signal ${s.child.signalCode}) before it was ready\n--- ${logFile} ---\n${logTail(logFile)}`)
    }
    if (found !== null) return found
    if (Date.now() > deadline) {
      throw new Error(`${name}: not ready within ${timeoutMs} ms\n--- ${logFile} ---\n${logTail(logFile)}`)
    }
    await sleep(50)
  }
}

/** The log text written since `offset`. */
export function readLogFrom (file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8')
  } catch {
    return ''
  }
}

/** The first pino line whose `msg` is "ready" and which has a numeric `field`. */
export function pinoReady (text: string, field: string): Record<string, unknown> | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    let rec: unknown
    try { rec = JSON.parse(line) } catch { continue }
    if (typeof rec !== 'object' || rec === null) continue
    const r = rec as Record<string, unknown>
    if (r.msg === 'ready' && typeof r[field] === 'number') return r
  }
  return null
}

/** Resolves true if a TCP connection to 127.0.0.1:port is accepted. */
export function tcpAccepts (port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.setTimeout(timeoutMs, () => { s.destroy(); resolve(false) })
    s.on('error', () => resolve(false))
    s.on('connect', () => { s.destroy(); resolve(true) })
  })
}

/** A plain HTTP GET on loopback, or `host` (HTTPS trusting `ca` when given): status and body, or null if there was no answer. */
export function httpGet (port: number, path: string, timeoutMs = 2000, ca?: Buffer, host = '127.0.0.1'): Promise<{ status: number, body: string } | null> {
  return new Promise((resolve) => {
    const send = ca === undefined ? httpRequest : httpsRequest
    const req = send({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs, ...(ca === undefined ? {} : { ca }) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', () => resolve(null))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(null))
    req.end()
  })
}

/**
 * Builds dist/ once if it is missing, under the same lock as
 * startRedkeeper's, so parallel test files never run tsc over each other.
 */
export async function ensureBuilt (): Promise<void> {
  if (existsSync(MAIN_JS)) return
  const lock = join(REPO_ROOT, 'node_modules', '.redkeeper-build.lock')
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`ensureBuilt: timed out waiting for ${lock} (remove it if no build is running)`)
      await sleep(250)
    }
  }
  try {
    if (existsSync(MAIN_JS)) return
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' })
    } catch (err) {
      const e = err as { stdout?: Buffer, stderr?: Buffer }
      throw new Error(`ensureBuilt: ${MAIN_JS} is missing and \`npm run build\` failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`)
    }
  } finally {
    rmdirSync(lock)
  }
}
