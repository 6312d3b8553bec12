// What a sidecar's memory is made of, and whether it follows the load or
// grows: one sidecar (from dist/) + one node + a private redis-server (AOF
// everysec) under W2, the soak's HBase-shaped load (bench workers), in
// phases: "low" (1 s of load, then 4 s idle) and "full" (closed loop). The
// sidecar is sampled from inside by bench/memlog.cjs (preloaded with
// NODE_OPTIONS, nothing in src/), every 10 s, and after a forced full GC
// (SIGUSR2) at the end of every phase: the live heap, the figure a leak moves.
//
//   npx tsx bench/sidecar-memory.ts
//   SIDECAR_MEM_PHASES=low,full,low,full SIDECAR_MEM_PHASE_S=270 SIDECAR_MEM_SESSIONS=8 \
//   SIDECAR_MEM_NODE_ARGS="--max-semi-space-size=16" SIDECAR_MEM_OUT=/tmp/run npx tsx bench/sidecar-memory.ts
//
// SIDECAR_MEM_NODE_ARGS replaces the sidecar's Node flags (default: the ones
// every sidecar gets, test/support/topology.ts SIDECAR_NODE_ARGS); "-" for none.
// Writes <out>.mem.jsonl (the samples) and prints one line per phase:
// ops/s, sidecar CPU µs per operation, RSS and anonymous RSS (mean / max),
// the largest V8 new space, the live heap after the phase's full GC.

import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { LoadResult } from './messages'
import { shares, WorkerPool } from './pool'
import { cpuSeconds } from './procstat'
import { ZkClient } from '../src/client'
import { OpCode, Perm } from '../src/engine/codes'
import { SIDECAR_NODE_ARGS, startNode, startRedis, startSidecar } from '../test/support/topology'
import { sleep } from '../test/support/proc'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const ROOT = '/w2'
const env = process.env
const out = env.SIDECAR_MEM_OUT ?? join(tmpdir(), `sidecar-memory-${Date.now()}`)
const phaseS = Number(env.SIDECAR_MEM_PHASE_S ?? 270)
const phases = (env.SIDECAR_MEM_PHASES ?? 'low,full,low,full').split(',')
const sessions = Number(env.SIDECAR_MEM_SESSIONS ?? 8)
const nodeArgs = env.SIDECAR_MEM_NODE_ARGS === undefined ? SIDECAR_NODE_ARGS : env.SIDECAR_MEM_NODE_ARGS === '-' ? [] : env.SIDECAR_MEM_NODE_ARGS.split(' ')
const MIB = 2 ** 20

interface MemLine { at: number, gc: boolean, heapUsed: number, rss: number, spaces: Record<string, [number, number]>, status: { RssAnon: number } }

function summary (lines: MemLine[]): string {
  if (lines.length === 0) return 'no samples'
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const rss = lines.map((l) => l.rss / MIB)
  const anon = lines.map((l) => l.status.RssAnon / 1024)
  const newSpace = Math.max(...lines.map((l) => (l.spaces.new_space?.[0] ?? 0) / 1024))
  const live = lines.filter((l) => l.gc).map((l) => `${(l.heapUsed / MIB).toFixed(2)} MiB (RSS ${(l.rss / MIB).toFixed(1)})`)
  return `RSS ${mean(rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)} MiB, anon ${mean(anon).toFixed(1)} / ${Math.max(...anon).toFixed(1)} MiB, new space ≤ ${newSpace.toFixed(0)} MiB, live heap after a full GC ${live.join(', ') || '?'}`
}

async function main (): Promise<void> {
  const memFile = `${out}.mem.jsonl`
  const redis = await startRedis({ appendonly: true, appendfsync: 'everysec' })
  const node = await startNode(redis.url)
  const sidecar = await startSidecar([node.url], {
    nodeArgs,
    env: { NODE_OPTIONS: `--require ${join(__dirname, 'memlog.cjs')}`, MEMLOG_FILE: memFile, MEMLOG_MS: '10000' }
  })
  console.log(`sidecar-memory: node flags [${nodeArgs.join(' ')}], ${sessions} sessions, phases ${phases.join(',')} of ${phaseS} s, samples in ${memFile}`)
  const pool = WorkerPool.start(2)
  const split = shares(sessions, 2)
  try {
    const setup = await ZkClient.connect(sidecar.address, { timeout: 30_000, connectTimeout: 30_000 })
    await setup.request({ type: OpCode.create, path: ROOT, data: null, dataLength: 0, acl: OPEN, flags: 0 })
    await setup.close()
    await Promise.all(split.map(async ([offset, count], i) => await pool.send<number>(i, { op: 'connect', address: sidecar.address, offset, count, timeoutMs: 10_000 })))
    await pool.send(0, { op: 'populate', root: ROOT, count: 100, offset: 0, size: 100, inflight: 1 })
    sidecar.signal('SIGUSR2')
    await sleep(1500)
    const first = readFileSync(memFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MemLine).filter((l) => l.gc)
    console.log(`start: live heap after a full GC ${first.length === 0 ? '?' : (first[0].heapUsed / MIB).toFixed(2)} MiB, RSS ${first.length === 0 ? '?' : (first[0].rss / MIB).toFixed(1)} MiB`)
    const t0 = Date.now()
    for (const phase of phases) {
      const began = Date.now()
      const from = (began - t0) / 1000
      const end = Date.now() + phaseS * 1000
      const cpu0 = cpuSeconds(sidecar.pid)
      let ops = 0
      while (Date.now() < end) {
        const seconds = phase === 'full' ? 10 : 1
        const rs = await Promise.all(split.map(async (_, i) => await pool.send<LoadResult>(i, { op: 'load', spec: { kind: 'hbase', root: ROOT, seconds, inflight: 1, size: 100, keys: 100 } })))
        ops += rs.reduce((a, r) => a + r.ops, 0)
        if (phase === 'low') await sleep(4000)
      }
      sidecar.signal('SIGUSR2')
      await sleep(1500)
      const to = (Date.now() - t0) / 1000
      const lines = readFileSync(memFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MemLine).filter((l) => l.at >= began && l.at <= Date.now())
      const line = `${phase} ${Math.round(from)}-${Math.round(to)} s: ${Math.round(ops / (to - from))} ops/s, ${((cpuSeconds(sidecar.pid) - cpu0) * 1e6 / Math.max(1, ops)).toFixed(1)} µs CPU/op, ${summary(lines)}`
      console.log(line)
      appendFileSync(`${out}.phases.txt`, line + '\n')
    }
  } finally {
    await pool.all(() => ({ op: 'close' })).catch(() => {})
    await pool.stop()
    await sidecar.stop().catch(() => {})
    await node.stop().catch(() => {})
    await redis.stop().catch(() => {})
  }
}

main().then(() => process.exit(0), (e: Error) => {
  console.error(`sidecar-memory: ${e.stack ?? e.message}`)
  process.exit(1)
})
