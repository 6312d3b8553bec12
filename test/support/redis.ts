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
  /** addresses to listen on besides 127.0.0.1 (a network namespace's link, test/faults/netns.ts) */
  bind?: string[]
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
  /** `INFO <section>` as a map (e.g. persistence: aof_buffer_length, aof_pending_bio_fsync). */
  info(section: string): Promise<Map<string, string>>
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
      '--port', String(this.port), '--bind', '127.0.0.1', ...(this.opts.bind ?? []), '--protected-mode', 'no',
      '--dir', this.dir, '--save', '', '--daemonize', 'no', '--loglevel', 'notice', '--logfile', '',
      '--appendonly', aof ? 'yes' : 'no',
      ...(aof ? ['--appendfsync', this.opts.appendfsync ?? 'always'] : [])
    ]
    // LC_ALL=C: Lua's string "<" uses strcoll, and Redis sets LC_COLLATE
    // from the environment; the engine's ordering must be byte order.
    const proc = spawnLogged('redis-server', 'redis-server', args, this.logFile, { ...process.env, LC_ALL: 'C' })
    this.proc = proc
    // Ready = answers INFO (it answers -LOADING while the AOF is replayed)
    // with OUR pid: after a restart on a fixed port, anything else answering
    // there is another suite's server that took the port meanwhile.
    await waitReady('redis-server', proc, this.logFile, async () => {
      const pid = (await infoOf(this.port, 'server').catch(() => null))?.get('process_id')
      return pid === String(proc.pid) ? true : null
    }, READY_TIMEOUT_MS)
  }

  info (section: string): Promise<Map<string, string>> {
    return infoOf(this.port, section)
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

/** `INFO <section>` over a raw connection (inline command, one bulk reply). */
function infoOf (port: number, section: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port })
    let buf = Buffer.alloc(0)
    s.setTimeout(2000, () => { s.destroy(); reject(new Error(`redis INFO on ${port}: timed out`)) })
    s.on('error', reject)
    s.on('connect', () => s.write(`INFO ${section}\r\n`))
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      const eol = buf.indexOf('\r\n')
      if (eol < 0) return
      const head = buf.subarray(0, eol).toString()
      if (!head.startsWith('$')) { s.destroy(); reject(new Error(`redis INFO on ${port}: ${head}`)); return }
      const len = Number(head.slice(1))
      if (buf.length < eol + 2 + len) return
      s.destroy()
      const out = new Map<string, string>()
      for (const line of buf.subarray(eol + 2, eol + 2 + len).toString().split('\r\n')) {
        const i = line.indexOf(':')
        if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1))
      }
      resolve(out)
    })
  })
}

/**
 * Resolves once Redis has written everything it acknowledged to its AOF
 * file: no background fsync running (with `appendfsync everysec`, Redis
 * postpones the write while one runs yet still replies: the documented
 * exception in docs/architecture.md, "Durability in Redis") and an empty AOF
 * buffer. A kill -9 right after loses nothing acknowledged before.
 */
export async function waitAofWritten (redis: RedisHandle, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const p = await redis.info('persistence')
    if (p.get('aof_enabled') !== '1') throw new Error('waitAofWritten: this redis-server has no AOF')
    if (p.get('aof_pending_bio_fsync') === '0' && p.get('aof_buffer_length') === '0') return
    if (Date.now() > deadline) throw new Error(`waitAofWritten: AOF not settled within ${timeoutMs} ms (buffer ${p.get('aof_buffer_length')}, pending fsync ${p.get('aof_pending_bio_fsync')})`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
