// The sweep's rate limit (znode.container.maxPerMinute as a token bucket) and
// its configuration checks. What the sweep deletes is the engine's (test/stores/redis/cases.ts).
import t from 'tap'
import { SweepBudget } from '../../src/server/sweeper'
import { ConfigError, resolveSweep } from '../../src/server/config'

t.test('maxPerMinute: a full minute to start, then refilled at the per-minute rate', async (t) => {
  const b = new SweepBudget(600, 0)
  t.equal(b.available(0), 600)
  b.spend(600)
  t.equal(b.available(0), 0)
  t.equal(b.available(1000), 10, 'one second later: 600/60')
  b.spend(10)
  t.equal(b.available(61_000), 600, 'never more than one minute\'s worth')
  const slow = new SweepBudget(1, 0)
  slow.spend(slow.available(0))
  t.equal(slow.available(30_000), 0)
  t.equal(slow.available(60_000), 1)
})

t.test('sweep settings: ZooKeeper\'s defaults and bad values', async (t) => {
  t.same(resolveSweep({}), { checkIntervalMs: 60000, maxPerMinute: 10000, maxNeverUsedMs: 0 })
  t.same(resolveSweep({ containerCheckIntervalMs: 5, containerMaxPerMinute: 1, containerMaxNeverUsedMs: 10 }), { checkIntervalMs: 5, maxPerMinute: 1, maxNeverUsedMs: 10 })
  t.throws(() => resolveSweep({ containerCheckIntervalMs: 0 }), ConfigError)
  t.throws(() => resolveSweep({ containerCheckIntervalMs: 2 ** 31 }), ConfigError)
  t.throws(() => resolveSweep({ containerMaxPerMinute: 1.5 }), ConfigError)
  t.throws(() => resolveSweep({ containerMaxNeverUsedMs: -1 }), ConfigError)
})
