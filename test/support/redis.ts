import { mkdirSync, mkdtempSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnLogged, waitReady, type Spawned } from './launch'
import { freePort } from './ports'
import { removeAtExit, terminate } from './proc'

/**
 * A private redis-server (Debian's) for the distributed topologies: loopback,
 * a free port, its own dir, no RDB snapshots (`--save ''`), optionally an
 * append-only file. `restart()` reuses the port and the dir, so a node's
 * ioredis client reconnects to the same URL and finds the AOF's data.
 */

export interface RedisOptions {
  appendonly?: boolean
  appendfsync?: 'always' | 'everysec'
  /** Reuse a dir (kept); a fresh temp dir, removed at exit, otherwise. */
  dir?: string
}

export interface RedisHandle {
  readonly url: string
  readonly port: number
  readonly dir: string
  /** the current process (changes with restart) */
  readonly pid: number
  readonly logFile: string
  /** SIGTERM (Redis flushes its AOF) and wait for exit. Keeps the dir. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. Keeps the dir. */
  kill9(): Promise<void>
  /** Kills the server if it runs, then starts it again on the same port and dir (AOF replayed); resolves when it answers PING. */
  restart(): Promise<RedisHandle>
}

const READY_TIMEOUT_MS = 30_000

export async function startRedis (opts: RedisOptions = {}): Promise<RedisHandle> {
  let dir = opts.dir
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'rk-redis-'))
    removeAtExit(dir)
  } else {
    mkdirSync(dir, { recursive: true })
  }
  const server = new RedisServer(opts, dir, await freePort())
  await server.launch()
  return server
}

class RedisServer implements RedisHandle {
  readonly url: string
  readonly logFile: string
  private proc: Spawned | undefined

  constructor (private readonly opts: RedisOptions, readonly dir: string, readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`
    this.logFile = join(dir, 'redis.log')
  }

  get pid (): number {
    if (this.proc === undefined) throw new Error('redis-server is not running')
    return this.proc.pid
  }

  async launch (): Promise<void> {
    const aof = this.opts.appendonly === true
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--protected-mode', 'no',
      '--dir', this.dir, '--save', '', '--daemonize', 'no', '--loglevel', 'notice', '--logfile', '',
      '--appendonly', aof ? 'yes' : 'no',
      ...(aof ? ['--appendfsync', this.opts.appendfsync ?? 'always'] : [])
    ]
    // LC_ALL=C: Lua's string "<" uses strcoll, and Redis sets LC_COLLATE
    // from the environment; the engine's ordering must be byte order.
    const proc = spawnLogged('redis-server', 'redis-server', args, this.logFile, { ...process.env, LC_ALL: 'C' })
    this.proc = proc
    // PING answers -LOADING while the AOF is replayed: ready means +PONG.
    await waitReady('redis-server', proc, this.logFile, async () => (await ping(this.port)) ? true : null, READY_TIMEOUT_MS)
  }

  async stop (): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGTERM')
  }

  async kill9 (): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGKILL')
  }

  async restart (): Promise<RedisHandle> {
    await this.kill9()
    await this.launch()
    return this
  }
}

function ping (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port })
    let buf = ''
    s.setTimeout(1000, () => { s.destroy(); resolve(false) })
    s.on('error', () => resolve(false))
    s.on('connect', () => s.write('PING\r\n'))
    s.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.includes('\r\n')) { s.destroy(); resolve(buf.startsWith('+PONG')) }
    })
  })
}
