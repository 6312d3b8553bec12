// An outage of the whole service (Redis paused or restarted, every node down)
// is not held against the sessions: nobody could heartbeat meanwhile. The
// first expiry round after a gap in reaping moves every deadline later by the
// gap less one cadence, as a new ZooKeeper leader starts every session's
// timeout afresh; a session nobody resumes still expires afterwards. Found by
// the default suite's kill-node fault run on a loaded machine: all three
// nodes were down at once for longer than the timeout, and the first node
// back expired every session before its sidecar could resume it.

import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { RedisEngine } from '../../../src/stores/redis'
import { startRedis, type RedisHandle } from '../../support/redis'
import { session } from './dist-helpers'
import { buildLibrary } from './lib'

// the test support's Redis: it knows its pid and restarts on its AOF
let redis: RedisHandle
let raw: Redis
const library = buildLibrary()
let counter = 0
t.before(async () => {
  redis = await startRedis({ appendonly: true, appendfsync: 'always' })
  raw = new Redis(redis.url)
})
t.teardown(async () => {
  raw?.disconnect()
  await redis?.stop()
})

async function engine (t: Test): Promise<RedisEngine> {
  const e = await RedisEngine.connect(redis.url, { namespace: `o${process.pid}-${counter++}`, library })
  t.teardown(() => e.close())
  await e.init()
  return e
}

const TIMEOUT = 3000
const CADENCE = 200

/** Redis frozen for `ms`: every node's calls wait, and no heartbeat lands. */
async function pauseRedis (ms: number): Promise<void> {
  process.kill(redis.pid, 'SIGSTOP')
  try {
    await sleep(ms)
  } finally {
    process.kill(redis.pid, 'SIGCONT')
  }
}

t.test('a Redis pause longer than the timeout is given back to every session', async (t) => {
  const e = await engine(t)
  const a = await session(e, 'conn-A', TIMEOUT, Date.now())
  t.same((await e.expire(Date.now(), CADENCE)).expired, [], 'a first round stamps the reaping clock')
  const before = Number(await raw.zscore(`${e.key}:deadlines`, String(a.id)))

  await pauseRedis(TIMEOUT + 1500)
  const after = Date.now()
  t.same((await e.expire(after, CADENCE)).expired, [], 'the round after the pause expires nobody')
  const moved = Number(await raw.zscore(`${e.key}:deadlines`, String(a.id)))
  t.ok(moved - before >= TIMEOUT + 1500 - 2 * CADENCE, `the deadline moved by the pause less a cadence (${moved - before} ms)`)
  t.ok(moved > after, 'and lies ahead again')

  // nobody resumes the session: it still expires, once, when its time is up
  let expiredAt = 0
  for (const deadline = Date.now() + 4 * TIMEOUT; Date.now() < deadline && expiredAt === 0;) {
    await sleep(CADENCE)
    if ((await e.expire(Date.now(), CADENCE)).expired.includes(a.id)) expiredAt = Date.now()
  }
  t.ok(expiredAt >= moved, 'a session nobody resumes expires at its moved deadline')
  t.equal(await raw.exists(`${e.key}:s:${a.id}`), 0, 'and is gone')
})

t.test('without the cadence (the old call), the same pause expires the session at once', async (t) => {
  // the control: shows what the rule prevents
  const e = await engine(t)
  const a = await session(e, 'conn-A', TIMEOUT, Date.now())
  t.same((await e.expire(Date.now())).expired, [])
  await pauseRedis(TIMEOUT + 1500)
  t.same((await e.expire(Date.now())).expired, [a.id], 'expired by the first round after the pause')
})

t.test('a reaper merely late (an overloaded node) moves nothing', async (t) => {
  const e = await engine(t)
  const a = await session(e, 'conn-A', TIMEOUT, Date.now())
  await e.expire(Date.now(), 1000)
  const before = await raw.zscore(`${e.key}:deadlines`, String(a.id))
  await sleep(1500) // late, but within two cadences
  await e.expire(Date.now(), 1000)
  t.equal(await raw.zscore(`${e.key}:deadlines`, String(a.id)), before, 'the deadline is where the heartbeat put it')
})

t.test('a Redis restart (AOF) is an outage like any other', async (t) => {
  const e = await engine(t)
  const a = await session(e, 'conn-A', TIMEOUT, Date.now())
  await e.expire(Date.now(), CADENCE)
  const restarted = await redis.restart()
  t.ok(restarted.pid > 0, 'redis-server restarted')
  await sleep(TIMEOUT + 1000)
  const r = await e.expire(Date.now(), CADENCE)
  t.same(r.expired, [], 'the first round after the restart expires nobody')
  t.equal(await raw.exists(`${e.key}:s:${a.id}`), 1, 'the session lives on for its client to resume')
})
