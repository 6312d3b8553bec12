import { spawn } from 'node:child_process'
import { createConnection } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../support/ports'
import { hasExited, removeAtExit, sleep, terminate, track } from '../../support/proc'

/**
 * A private, throw-away redis-server for one test file: a free loopback port,
 * no persistence, killed when the test process exits whatever happens. Never
 * the system's Redis, never a fixed port (suites run side by side).
 */
export interface RedisHandle {
  port: number
  url: string
  stop(): Promise<void>
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

export async function startRedis(): Promise<RedisHandle> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rk-redis-'))
  removeAtExit(dir)
  // LC_ALL=C: Lua's string "<" uses strcoll, and Redis sets LC_COLLATE from the
  // environment; the engine sorts ephemeral paths on session close with it
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
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
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => terminate(child, 'SIGTERM') }
}
