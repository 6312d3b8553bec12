// The shared engine cases, run against the engine in-process (MemoryStorage)
// and the same engine compiled to Lua inside a real redis-server (FCALL).
// Identical assertions on both is the point: one source, two runtimes.
import t from 'tap'
import { bigIdCases, cases, fixture } from './cases'
import { buildLibrary } from './lib'
import { startRedis, type RedisHandle } from './redis-server'
import { memoryTarget, redisTarget, type EngineTarget } from './targets'

let redis: RedisHandle
let library: string

t.before(async () => {
  library = buildLibrary()
  redis = await startRedis()
})
t.teardown(async () => { await redis?.stop() })

const makers: [string, () => Promise<EngineTarget>][] = [
  ['memory', async () => memoryTarget()],
  ['redis', () => redisTarget(redis.url, library)],
]

for (const [name, make] of makers) {
  t.test(name, async (t) => {
    for (const [title, body] of cases) {
      await t.test(title, async (t) => {
        const target = await make()
        t.teardown(() => target.close())
        await body(t, await fixture(target))
      })
    }
    for (const [title, body] of bigIdCases) {
      await t.test(title, async (t) => {
        const target = await make()
        t.teardown(() => target.close())
        await body(t, await fixture(target, [2 ** 52 + 1, 2 ** 52 + 3]))
      })
    }
  })
}
