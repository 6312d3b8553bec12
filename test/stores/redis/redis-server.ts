import { spawn } from 'node:child_process'
import { createConnection } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../support/ports'
import { hasExited, removeAtExit, sleep, terminate, track } from '../../support/proc'

/**
 * A private, throw-away redis-server for one test file: a free loopback port,
 * no persistence unless asked, killed when the test process exits whatever
 * happens. Never the system's Redis, never a fixed port (suites run side by
 * side).
 */
export interface RedisHandle {
  port: number
  url: string
  /** the data dir (kept across kill9 for a restart on it) */
  dir: string
  stop(): Promise<void>
  /** SIGKILL: no shutdown, no final AOF flush or fsync */
  kill9(): Promise<void>
}

export interface StartRedisOptions {
  /** turn the append-only file on with this fsync policy */
  appendfsync?: 'always' | 'everysec'
  /** reuse a data dir (a restart after kill9); default: a new temp dir */
  dir?: string
  /** reuse a port (a restart); default: a free one */
  port?: number
}

const READY_TIMEOUT_MS = 10_000

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port })
    let buf = ''
    s.setTimeout(1000, () => { s.destroy(); resolve(false) })
    s.on('error', () => resolve(false))
    s.on('connect', () => s.write('PING\r\n'))
    s.on('data', (d) => {
      buf += d.toString()
      if (buf.includes('\r\n')) { s.destroy(); resolve(buf.startsWith('+PONG')) }
    })
  })
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const port = opts.port ?? await freePort()
  let dir = opts.dir
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'rk-redis-'))
    removeAtExit(dir)
  }
  const aof = opts.appendfsync === undefined
    ? ['--appendonly', 'no']
    : ['--appendonly', 'yes', '--appendfsync', opts.appendfsync]
  // LC_ALL=C: Lua's string "<" uses strcoll, and Redis sets LC_COLLATE from the
  // environment; the engine sorts ephemeral paths on session close with it
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...aof,
    '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
  track(child)
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d.toString() })
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await ping(port))) {
    if (hasExited(child)) throw new Error(`redis-server exited at start: ${stderr}`)
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on ${port} within ${READY_TIMEOUT_MS} ms`)
    await sleep(50)
  }
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    stop: () => terminate(child, 'SIGTERM'),
    kill9: () => terminate(child, 'SIGKILL'),
  }
}
