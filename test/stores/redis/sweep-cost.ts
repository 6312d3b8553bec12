// What one rk_sweep FCALL costs on Redis: with no containers or TTL nodes at
// all, with 10,000 containers that each still have a child (not indexed:
// only childless ones are), with 10,000 childless containers that never had
// a child (indexed, checked, kept), and deleting 1,000 in one call. Not a
// test (nothing is asserted); run
//
//   node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs test/stores/redis/sweep-cost.ts [containers]
import { performance } from 'node:perf_hooks'
import { CreateFlag, OpCode, type ACL, type Context } from '../../../src/engine'
import { RedisEngine } from '../../../src/stores/redis'
import { buildLibrary } from './lib'
import { startRedis } from './redis-server'

const N = Number(process.argv[2] ?? 10_000)
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

async function timed (what: string, runs: number, fn: () => Promise<unknown>): Promise<void> {
  await fn() // warm
  const t0 = performance.now()
  for (let i = 0; i < runs; i++) await fn()
  const ms = (performance.now() - t0) / runs
  console.log(`${what.padEnd(60)} ${ms.toFixed(3)} ms per call (mean of ${runs}, round trip included)`)
}

async function main (): Promise<void> {
  const redis = await startRedis()
  const engine = await RedisEngine.connect(redis.url, { namespace: 'sweepcost', library: buildLibrary(), extendedTypes: true })
  try {
    await engine.init()
    const ctx: Context = { session: 1, now: Date.now(), auth: [] }
    await engine.createSessionWithId(1, 30000, 'aa', ctx.now)
    await timed('sweep, no containers or TTL nodes', 200, () => engine.sweep(Date.now(), { limit: 10000 }))
    const pending: Promise<unknown>[] = []
    for (let i = 0; i < N; i++) {
      pending.push(engine.execute(ctx, { type: OpCode.createContainer, path: `/c${i}`, data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER }))
      pending.push(engine.execute(ctx, { type: OpCode.create, path: `/c${i}/k`, data: null, dataLength: 0, acl: OPEN, flags: 0 }))
      if (pending.length >= 2000) await Promise.all(pending.splice(0))
    }
    await Promise.all(pending)
    await timed(`sweep, ${N} containers with a child each`, 20, () => engine.sweep(Date.now(), { limit: 10000 }))
    for (let i = 0; i < N; i++) {
      pending.push(engine.execute(ctx, { type: OpCode.createContainer, path: `/never${i}`, data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER }))
      if (pending.length >= 2000) await Promise.all(pending.splice(0))
    }
    await Promise.all(pending.splice(0))
    await timed(`sweep, + ${N} childless never-used containers`, 20, () => engine.sweep(Date.now(), { limit: 10000 }))
    const batch = Math.min(1000, N)
    for (let i = 0; i < batch; i++) pending.push(engine.execute(ctx, { type: OpCode.delete, path: `/c${i}/k`, version: -1 }))
    await Promise.all(pending)
    const t0 = performance.now()
    const out = await engine.sweep(Date.now(), { limit: 10000 })
    console.log(`${`sweep, ${out.deleted.length} emptied containers deleted in it`.padEnd(60)} ${(performance.now() - t0).toFixed(3)} ms`)
  } finally {
    await engine.close()
    await redis.stop()
  }
}

void main()
