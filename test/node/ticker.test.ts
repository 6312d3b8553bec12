// The node's expiry between ticks: a session goes soon after its deadline,
// not at the next tick. The tick here is a minute, longer than the test, so
// only the 100 ms deadline peek (ticker.ts) can expire the session; the
// deadline is real (a one-second session nobody heartbeats).

import t, { type Test } from 'tap'
import pino from 'pino'
import { Ticker } from '../../src/node/ticker'
import { Heartbeats } from '../../src/node/heartbeats'
import { SWEEP_DEFAULTS } from '../../src/server/config'
import type { SessionId } from '../../src/engine/types'
import { world, type World } from '../stores/redis/dist-helpers'

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

async function until (done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A ticker whose tick (a minute) outlasts the test: only its 100 ms deadline peek can expire anything. */
function minuteTicker (t: Test, e: Awaited<ReturnType<World['engine']>>, onGone: (ids: readonly SessionId[]) => void): void {
  const ticker = new Ticker({ backend: e, heartbeats: new Heartbeats(), tickMs: 60_000, sweep: SWEEP_DEFAULTS, log: pino({ level: 'silent' }), onGone })
  t.teardown(() => ticker.stop())
}

t.test('a session past its deadline expires before the next tick', async (t) => {
  const e = await w.engine(t)
  t.equal(await e.nextDeadline(), undefined, 'no session: no deadline')
  const created = Date.now()
  const { id } = await e.createSession(1000, 'aa', created, 'conn-1')
  const deadline = await e.nextDeadline()
  t.equal(deadline, created + 1000, 'the earliest deadline is the new session\'s')

  const gone: SessionId[] = []
  minuteTicker(t, e, (ids) => { gone.push(...ids) })
  await until(() => gone.length > 0, 30_000, 'the session was not expired between ticks')
  t.same(gone, [id], 'expired by the peek-triggered reap, one tick not yet over')
  t.ok(Date.now() >= created + 1000, 'not before its deadline')
  t.equal(await e.nextDeadline(), undefined, 'its deadline is gone with it')
  t.equal(await w.raw.exists(`${e.key}:s:${id}`), 0, 'the session is gone from Redis')
})

t.test('a peek with nothing due writes nothing', async (t) => {
  const e = await w.engine(t)
  await e.createSession(60_000, 'aa', Date.now(), 'conn-1')
  const before = await w.raw.get(`${e.key}:reaped`)
  minuteTicker(t, e, () => { t.fail('nothing is due') })
  // ten peeks' worth of deadline reads, seen on the server's command stats
  const peeks = async (): Promise<number> => {
    const info = await w.raw.info('commandstats')
    return Number(/cmdstat_zrange:calls=(\d+)/.exec(info)?.[1] ?? 0)
  }
  const start = await peeks()
  let now = start
  const deadline = Date.now() + 30_000
  while (now < start + 10 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    now = await peeks()
  }
  t.ok(now >= start + 10, `the ticker peeked (${now - start} deadline reads)`)
  t.equal(await w.raw.get(`${e.key}:reaped`), before, 'no reap ran: the outage stamp is untouched')
})
