// Redis with a replica and three Sentinels (redis-server --sentinel, the
// same binary Debian's redis-sentinel package runs), for the failover fault:
// the nodes reach Redis through a redis-sentinel:// URL, the test kills the
// current primary, the Sentinels promote the replica, and the killed server
// comes back as a replica of the new primary.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { spawnLogged, waitReady } from '../support/launch'
import { freePort } from '../support/ports'
import { removeAtExit, sleep, terminate } from '../support/proc'
import { startRedis, type RedisHandle } from '../support/topology'

export const MASTER = 'rkmaster'

export interface SentinelSet {
  servers: RedisHandle[]
  /** redis-sentinel://... for the nodes */
  url: string
  /** the server Sentinel names primary now */
  primary(): Promise<RedisHandle>
  /** resolves once the Sentinels name a primary other than `old` */
  failedOver(old: RedisHandle, timeoutMs?: number): Promise<RedisHandle>
  stop(): Promise<void>
}

async function withRedis<T> (port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 })
  r.on('error', () => {})
  try {
    await r.connect()
    return await fn(r)
  } finally {
    r.disconnect()
  }
}

export async function startSentinelSet (): Promise<SentinelSet> {
  const a = await startRedis({ appendonly: true, appendfsync: 'always' })
  const b = await startRedis({ appendonly: true, appendfsync: 'always' })
  const servers = [a, b]
  await withRedis(b.port, (r) => r.call('REPLICAOF', '127.0.0.1', String(a.port)))
  const dir = mkdtempSync(join(tmpdir(), 'rk-sentinels-'))
  removeAtExit(dir)
  const sentinels: Array<{ port: number, stop: () => Promise<void> }> = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const conf = join(dir, `sentinel${i}.conf`)
    writeFileSync(conf, [
      `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${MASTER} 127.0.0.1 ${a.port} 2`,
      `sentinel down-after-milliseconds ${MASTER} 1000`,
      `sentinel failover-timeout ${MASTER} 4000`,
      `sentinel parallel-syncs ${MASTER} 1`, ''
    ].join('\n'))
    const log = join(dir, `sentinel${i}.log`)
    const proc = spawnLogged('redis-sentinel', 'redis-server', [conf, '--sentinel'], log, { ...process.env, LC_ALL: 'C' })
    await waitReady('redis-sentinel', proc, log, async () => (await withRedis(port, (r) => r.ping()).catch(() => null)) === 'PONG' ? true : null)
    sentinels.push({ port, stop: () => terminate(proc.child, 'SIGTERM') })
  }
  const masterPort = async (): Promise<number | undefined> => {
    for (const s of sentinels) {
      const addr = await withRedis(s.port, (r) => r.call('SENTINEL', 'get-master-addr-by-name', MASTER) as Promise<string[] | null>).catch(() => null)
      if (addr !== null) return Number(addr[1])
    }
    return undefined
  }
  // every Sentinel must know the replica before a failover can pick it
  const deadline = Date.now() + 30_000
  for (;;) {
    const known = await Promise.all(sentinels.map((s) => withRedis(s.port, (r) => r.call('SENTINEL', 'replicas', MASTER) as Promise<unknown[]>).then((l) => l.length, () => 0)))
    if (known.every((n) => n >= 1)) break
    if (Date.now() > deadline) throw new Error('sentinels: the replica was not discovered within 30 s')
    await sleep(200)
  }
  const byPort = (p: number | undefined): RedisHandle => {
    const s = servers.find((x) => x.port === p)
    if (s === undefined) throw new Error(`sentinels name an unknown primary port ${p}`)
    return s
  }
  return {
    servers,
    url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${MASTER}`,
    primary: async () => byPort(await masterPort()),
    async failedOver (old, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs
      for (;;) {
        const p = await masterPort()
        if (p !== undefined && p !== old.port) return byPort(p)
        if (Date.now() > end) throw new Error(`sentinels: no failover within ${timeoutMs} ms`)
        await sleep(100)
      }
    },
    async stop () {
      for (const s of sentinels) await s.stop()
      for (const s of servers) await s.stop()
    }
  }
}
