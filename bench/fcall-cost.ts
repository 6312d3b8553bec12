// The node's client CPU per FCALL, alone: RedisEngine.exec (getData/setData)
// in a closed loop against a private redis-server, with `inflight` calls
// outstanding. Prints this process's CPU µs per call and Redis's, so a change
// to the call path (engine.ts) can be measured without the sidecar, the
// WebSocket or the load generator in the way.
//
//   npx tsx bench/fcall-cost.ts [seconds=5] [inflight=128] [op=get|set]

import { RedisEngine } from '../src/stores/redis/engine'
import { OpCode, Perm } from '../src/engine/codes'
import { startRedis } from '../test/support/redis'

const seconds = Number(process.argv[2] ?? 5)
const inflight = Number(process.argv[3] ?? 128)
const op = process.argv[4] ?? 'get'

async function redisCpu (e: RedisEngine): Promise<number> {
  const info = await e.redis.info('cpu')
  const f = (k: string): number => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return f('used_cpu_user') + f('used_cpu_sys')
}

async function main (): Promise<void> {
  const redis = await startRedis()
  const engine = await RedisEngine.connect(redis.url, { redis: { enableAutoPipelining: process.env.RK_AUTOPIPE === '1' } })
  if (process.env.RK_TIMEOUT !== undefined) engine.setCommandTimeout(Number(process.env.RK_TIMEOUT))
  try {
    await engine.init()
    const { id } = await engine.createSession(30_000, '00'.repeat(16), Date.now(), 'bench')
    const ctx = (): { session: number, now: number, auth: never[] } => ({ session: id, now: Date.now(), auth: [] })
    const data = Buffer.alloc(100, 0x61)
    const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
    for (let i = 0; i < 100; i++) await engine.exec(ctx(), { type: OpCode.create, path: `/k${i}`, data, dataLength: 100, acl: OPEN, flags: 0 }, i + 1, 0, 0, 'bench')
    let xid = 1000
    let calls = 0
    const run = async (ms: number): Promise<void> => {
      const end = performance.now() + ms
      await Promise.all(Array.from({ length: inflight }, async () => {
        while (performance.now() < end) {
          const path = `/k${calls % 100}`
          const req = op === 'set'
            ? { type: OpCode.setData, path, data, dataLength: 100, version: -1 }
            : { type: OpCode.getData, path, watch: false }
          const r = await engine.exec(ctx(), req as never, xid++, 0, 0, 'bench')
          if (r.outcome.err !== 0) throw new Error(`err ${r.outcome.err}`)
          calls++
        }
      }))
    }
    await run(1000)
    calls = 0
    const r0 = await redisCpu(engine)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await run(seconds * 1000)
    const wall = performance.now() - t0
    const c = process.cpuUsage(c0)
    const r1 = await redisCpu(engine)
    const us = (c.user + c.system) / calls
    console.log(`${op} inflight=${inflight}: ${Math.round(calls / wall * 1000)} calls/s, client ${us.toFixed(1)} µs/call (user ${(c.user / calls).toFixed(1)}, sys ${(c.system / calls).toFixed(1)}), redis ${((r1 - r0) * 1e6 / calls).toFixed(1)} µs/call`)
  } finally {
    await engine.close()
    await redis.stop()
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
