// The Redis ceiling: the shape of redkeeper's create and getData scripts run
// straight against a redis-server (AOF, appendfsync everysec), with no
// ZooKeeper protocol, sidecar or node in the way. One FCALL per operation on
// one key tag, with about the key reads and writes the engine's Lua does
// (src/stores/redis/lua/storage.ts): create = read the node and its parent,
// bump the zxid, write the node, the count, the parent's children and stat,
// touch the session deadline; getData = touch the deadline, read the node.
// The distributed figures read as a fraction of these.

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { startRedis } from '../test/support/redis'
import type { LoadResult } from './messages'
import { shares, type WorkerPool } from './pool'
import { totalCpuSeconds } from './procstat'
import { summarise, type Row } from './workloads'

const LIBRARY = `#!lua name=rkbench
redis.register_function('rkb_create', function (keys, args)
  local p = keys[1]
  local node = p .. 'n:' .. args[1]
  redis.call('HMGET', node, 's', 'd', 'a')
  redis.call('HMGET', p .. 'n:' .. args[2], 's')
  local z = redis.call('INCR', p .. 'zxid')
  redis.call('HSET', node, 's', z, 'd', args[3], 'a', 'world')
  redis.call('HINCRBY', p .. 'count', 'n', 1)
  redis.call('SADD', p .. 'c:' .. args[2], args[1])
  redis.call('HSET', p .. 'n:' .. args[2], 's', z)
  redis.call('ZADD', p .. 'deadlines', 'XX', z, 'session')
  return z
end)
redis.register_function('rkb_get', function (keys, args)
  local p = keys[1]
  redis.call('ZADD', p .. 'deadlines', 'XX', 1, 'session')
  return redis.call('HMGET', p .. 'n:' .. args[1], 's', 'd')
end)
`

export interface CeilingOptions { seconds: number, sessions: number, inflight: number, benchmarkRequests: number }

export async function redisCeiling (pool: WorkerPool, opts: CeilingOptions, log: (line: string) => void): Promise<Row[]> {
  const redis = await startRedis({ appendonly: true, appendfsync: 'everysec' })
  const rows: Row[] = []
  try {
    const admin = new Redis(redis.url)
    await admin.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY)
    admin.disconnect()
    const parts = shares(opts.sessions, pool.size)
    for (const [fn, label] of [['rkb_create', 'create'], ['rkb_get', 'getData']] as const) {
      const cpu0 = totalCpuSeconds([redis.pid])
      const client0 = totalCpuSeconds(pool.pids)
      const results = await pool.all<LoadResult>((w) => parts[w][1] === 0 ? null : { op: 'redis', url: redis.url, fn, conns: parts[w][1], inflight: opts.inflight, seconds: opts.seconds, offset: w })
      rows.push(ceilingRow(`ceiling.${label}`, `Redis FCALL ${label} shape (ioredis)`, summarise(results), totalCpuSeconds([redis.pid]) - cpu0, totalCpuSeconds(pool.pids) - client0))
      log(`redis ${label} shape: ${Math.round(rows[rows.length - 1].opsPerSec)} ops/s`)
    }
    rows.push(...await redisBenchmark(redis.port, opts, log))
  } finally {
    await redis.stop()
  }
  return rows
}

function ceilingRow (key: string, workload: string, s: ReturnType<typeof summarise>, cpuSeconds: number, clientCpuSeconds: number): Row {
  return { system: 'redis', key, workload, ...s, cpuSeconds, cpuPer1kOps: s.ops > 0 ? cpuSeconds / s.ops * 1000 : NaN, clientCpuSeconds }
}

/** redis-benchmark (Debian redis-tools), when installed: the same FCALLs from C, plus plain SET/GET. */
async function redisBenchmark (port: number, opts: CeilingOptions, log: (line: string) => void): Promise<Row[]> {
  const run = promisify(execFile)
  const base = ['-h', '127.0.0.1', '-p', String(port), '-c', String(opts.sessions * opts.inflight), '-n', String(opts.benchmarkRequests), '-r', '1000000', '--csv']
  const cases: Array<[string, string, string[]]> = [
    ['bench.create', 'redis-benchmark FCALL create shape', ['FCALL', 'rkb_create', '1', '{b}', '/r__rand_int__', '/', 'x'.repeat(100)]],
    ['bench.get', 'redis-benchmark FCALL getData shape', ['FCALL', 'rkb_get', '1', '{b}', '/r__rand_int__']],
    ['bench.set', 'redis-benchmark SET', ['-t', 'set', '-d', '100']],
    ['bench.getplain', 'redis-benchmark GET', ['-t', 'get', '-d', '100']]
  ]
  const rows: Row[] = []
  for (const [key, workload, args] of cases) {
    let out: string
    try {
      out = (await run('redis-benchmark', [...base, ...args], { timeout: 120_000 })).stdout
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      if (err.code === 'ENOENT') { log('redis-benchmark is not installed (Debian redis-tools): skipping its ceiling'); return rows }
      throw e
    }
    const fig = parseBenchmarkCsv(out)
    if (fig === null) throw new Error(`redis-benchmark ${args.join(' ')}: unexpected output ${JSON.stringify(out.slice(0, 200))}`)
    rows.push({ system: 'redis', key, workload, ops: opts.benchmarkRequests, errors: 0, errorSamples: [], opsPerSec: fig.rps, p50Ms: fig.p50, p99Ms: fig.p99, cpuSeconds: NaN, cpuPer1kOps: NaN, clientCpuSeconds: NaN })
    log(`${workload}: ${Math.round(fig.rps)} ops/s`)
  }
  return rows
}

/** redis-benchmark --csv: a header line, then "name","rps","avg","min","p50","p95","p99","max". */
export function parseBenchmarkCsv (out: string): { rps: number, p50: number, p99: number } | null {
  const lines = out.trim().split('\n').filter((l) => l.length > 0)
  const header = lines.find((l) => l.startsWith('"test"'))
  const data = lines.filter((l) => !l.startsWith('"test"')).pop()
  if (header === undefined || data === undefined) return null
  const cols = header.split(',').map((c) => c.replace(/"/g, ''))
  const vals = data.split(',').map((c) => c.replace(/"/g, ''))
  const get = (name: string): number => Number(vals[cols.indexOf(name)])
  const fig = { rps: get('rps'), p50: get('p50_latency_ms'), p99: get('p99_latency_ms') }
  return Number.isFinite(fig.rps) ? fig : null
}
