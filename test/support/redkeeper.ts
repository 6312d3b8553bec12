import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { forgetTempDir, hasExited, logTail, removeAtExit, sleep, terminate, track } from './proc'

/**
 * Launches our own server as a real child process (`node bin/redkeeper.js
 * start`), exactly as a user would, so tests exercise the shipped entry point
 * and can kill -9 it.
 */

export interface RedkeeperOptions {
  tickMs?: number
  /** Reuse a data dir; a fresh temp dir (removed at exit) otherwise. */
  dataDir?: string
  env?: Record<string, string>
  /** Extra CLI arguments appended after ours (later flags win in most parsers). */
  args?: string[]
  /** Fixed ports (restart() reuses the previous ones); 0 = let the server pick. */
  zkPort?: number
  httpPort?: number
}

export interface RedkeeperHandle {
  host: string
  port: number
  /** "127.0.0.1:port" */
  address: string
  httpPort: number
  /** the TLS client port, when started with --secure-zk-port */
  secureZkPort?: number
  dataDir: string
  pid: number
  logFile: string
  /** SIGTERM and wait for exit (SIGKILL after 10 s). Keeps the data dir. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. Keeps the data dir. */
  kill9(): Promise<void>
  /** Stops the server if still running (SIGKILL), then starts it again on the same data dir and ports. */
  restart(): Promise<RedkeeperHandle>
  /** stop() and delete the data dir if this helper created it. */
  destroy(): Promise<void>
}

export const REPO_ROOT = resolve(__dirname, '..', '..')
const BIN = join(REPO_ROOT, 'bin', 'redkeeper.js')
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')
const READY_TIMEOUT_MS = 30_000

export function startRedkeeper (opts: RedkeeperOptions = {}): Promise<RedkeeperHandle> {
  return launch(opts, opts.dataDir === undefined)
}

async function launch (opts: RedkeeperOptions, ownsDir: boolean): Promise<RedkeeperHandle> {
  await ensureBuilt()
  const host = '127.0.0.1'
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rk-redkeeper-'))
  mkdirSync(dataDir, { recursive: true })
  if (ownsDir) removeAtExit(dataDir)
  // The log lives next to (not inside) the store so the server owns its dir.
  const logFile = `${dataDir}.log`
  if (ownsDir) removeAtExit(logFile)

  const args = [
    BIN, 'start',
    '--zk-port', String(opts.zkPort ?? 0),
    '--http-port', String(opts.httpPort ?? 0),
    '--host', host,
    '--data-dir', dataDir,
    ...(opts.tickMs !== undefined ? ['--tick-ms', String(opts.tickMs)] : []),
    ...(opts.args ?? [])
  ]
  // Restarts append to the same log; only lines written after this offset
  // can announce this incarnation's readiness.
  const offset = existsSync(logFile) ? statSync(logFile).size : 0
  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      // every word, as startZooKeeper sets 4lw.commands.whitelist=*; opts.env can unset it ('')
      // and no per-address connection limit, as startZooKeeper sets maxClientCnxns=0 (tests and bench open many from 127.0.0.1)
      env: { ...process.env, REDKEEPER_4LW_WHITELIST: '*', REDKEEPER_MAX_CLIENT_CNXNS: '0', ...opts.env },
      stdio: ['ignore', fd, fd]
    })
  } finally {
    closeSync(fd)
  }
  track(child)
  const pid = child.pid
  if (pid === undefined) throw new Error(`startRedkeeper: could not spawn node\n${logTail(logFile)}`)

  let ready: Ready
  try {
    ready = await waitForReady(child, logFile, offset)
  } catch (err) {
    await terminate(child, 'SIGKILL')
    throw err
  }

  const handle: RedkeeperHandle = {
    host,
    port: ready.zkPort,
    address: `${host}:${ready.zkPort}`,
    httpPort: ready.httpPort,
    ...(ready.secureZkPort === undefined ? {} : { secureZkPort: ready.secureZkPort }),
    dataDir,
    pid,
    logFile,
    stop: () => terminate(child, 'SIGTERM'),
    kill9: () => terminate(child, 'SIGKILL'),
    async restart () {
      await terminate(child, 'SIGKILL')
      return launch({ ...opts, dataDir, zkPort: ready.zkPort, httpPort: ready.httpPort }, ownsDir)
    },
    async destroy () {
      await terminate(child, 'SIGTERM')
      if (!ownsDir) return
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(logFile, { force: true })
      forgetTempDir(dataDir)
      forgetTempDir(logFile)
    }
  }
  return handle
}

interface Ready { zkPort: number, httpPort: number, secureZkPort?: number }

/** Finds the server's `{"msg":"ready","zkPort":N,"httpPort":M}` pino line (with secureZkPort when it has one). */
export function parseReady (text: string): Ready | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    let rec: unknown
    try { rec = JSON.parse(line) } catch { continue }
    if (typeof rec !== 'object' || rec === null) continue
    const r = rec as Record<string, unknown>
    if (r.msg === 'ready' && typeof r.zkPort === 'number' && typeof r.httpPort === 'number') {
      return typeof r.secureZkPort === 'number'
        ? { zkPort: r.zkPort, httpPort: r.httpPort, secureZkPort: r.secureZkPort }
        : { zkPort: r.zkPort, httpPort: r.httpPort }
    }
  }
  return null
}

async function waitForReady (child: ChildProcess, logFile: string, offset: number): Promise<Ready> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    // Check for exit before reading, so a "ready" line followed by a crash
    // is still reported as a crash.
    const exited = hasExited(child)
    const found = parseReady(readFrom(logFile, offset))
    if (exited) {
      const what = found === null ? 'before logging "ready"' : 'right after logging "ready"'
      throw new Error(`startRedkeeper: server exited (code ${child.exitCode}, signal ${child.signalCode}) ${what}\n--- ${logFile} ---\n${logTail(logFile)}`)
    }
    if (found !== null) return found
    if (Date.now() > deadline) {
      throw new Error(`startRedkeeper: no "ready" log line within ${READY_TIMEOUT_MS} ms\n--- ${logFile} ---\n${logTail(logFile)}`)
    }
    await sleep(50)
  }
}

function readFrom (file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8')
  } catch {
    return ''
  }
}

/**
 * Builds dist/ once if it is missing. Test files run in parallel, so a
 * mkdir-based lock keeps two of them from running tsc over each other.
 */
async function ensureBuilt (): Promise<void> {
  if (existsSync(MAIN_JS)) return
  if (!existsSync(BIN)) throw new Error(`startRedkeeper: ${BIN} does not exist`)
  const lock = join(REPO_ROOT, 'node_modules', '.redkeeper-build.lock')
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`startRedkeeper: timed out waiting for ${lock} (remove it if no build is running)`)
      await sleep(250)
    }
  }
  try {
    if (existsSync(MAIN_JS)) return
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' })
    } catch (err) {
      const e = err as { stdout?: Buffer, stderr?: Buffer }
      throw new Error(`startRedkeeper: ${MAIN_JS} is missing and \`npm run build\` failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`)
    }
    if (!existsSync(MAIN_JS)) throw new Error(`startRedkeeper: \`npm run build\` succeeded but ${MAIN_JS} is still missing`)
  } finally {
    rmdirSync(lock)
  }
}
