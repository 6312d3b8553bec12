// Session expiry in the distributed mode. A session whose heartbeats stop
// reaching Redis is expired exactly once (one closeSession transaction, one
// zxid), its ephemerals deleted, and a watcher attached to ANOTHER node is
// notified within timeout + one tick of the last heartbeat, and not before
// the timeout. Four ways to go silent: the client stops sending, its sidecar
// is frozen (SIGSTOP: the WebSocket stays open), its sidecar is killed
// (kill -9: the WebSocket drops without DETACH), and the only node its
// sidecar can reach dies with it still attached.
//
//   client A → sidecar (upstream: node 1 only) ┐
//                                              ├→ redis
//   watcher B → sidecar (upstream: node 2) ────┘

import t, { type Test } from 'tap'
import { SessionExpiredError, ZkClient, type WatchNotification } from '../../src/client'
import { CreateFlag, EventType, OpCode } from '../../src/engine/codes'
import { sleep } from '../support/proc'
import { startNode, startRedis, startSidecar, type NodeHandle, type SidecarHandle } from '../support/topology'
import { OPEN } from './failover-clients'

const TICK_MS = 500
const TIMEOUT_MS = 4000
// Delivery of the watch event after the expiry (Redis → node → sidecar →
// client on a loaded 2-core machine). The bound under test is timeout + tick.
const DELIVERY_SLACK_MS = 1000

t.test('a silent session is expired once, by any node, in time', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [n1, n2] = await Promise.all([startNode(redis.url, { tickMs: TICK_MS }), startNode(redis.url, { tickMs: TICK_MS })])
  t.teardown(async () => { await n1.stop(); await n2.stop() })
  const sb = await startSidecar([n2.url])
  t.teardown(() => sb.stop())
  const b = await ZkClient.connect(sb.address, { timeout: 10_000 })
  t.teardown(() => b.destroy())
  const r = await b.request({ type: OpCode.create, path: '/ex', data: null, dataLength: 0, acl: OPEN, flags: 0 })
  t.equal(r.err, 0, 'B created /ex')

  /**
   * A (through its own sidecar to node 1) creates two ephemerals, which B
   * watches; `silence` makes A go quiet and returns the window in which A's
   * last heartbeat reached a node. Returns when B has seen both deletions.
   */
  async function expireCase (t: Test, name: string, opts: { autoPing: boolean, sidecar?: SidecarHandle, node?: NodeHandle }, silence: (a: ZkClient, sa: SidecarHandle) => Promise<{ from: number, to: number }>): Promise<ZkClient> {
    const sa = opts.sidecar ?? await startSidecar([(opts.node ?? n1).url])
    t.teardown(() => sa.stop())
    const a = await ZkClient.connect(sa.address, { timeout: TIMEOUT_MS, autoPing: opts.autoPing })
    t.teardown(() => a.destroy())
    t.equal(a.negotiatedTimeout, TIMEOUT_MS, `negotiated ${TIMEOUT_MS} ms (within 2..20 ticks of ${TICK_MS} ms)`)
    const paths = [`/ex/${name}-1`, `/ex/${name}-2`]
    for (const p of paths) {
      const c = await a.request({ type: OpCode.create, path: p, data: Buffer.from('a'), dataLength: 1, acl: OPEN, flags: CreateFlag.EPHEMERAL })
      t.equal(c.err, 0, `A created ephemeral ${p}`)
    }
    const deleted: Array<{ ev: WatchNotification, at: number }> = []
    const onWatch = (ev: WatchNotification): void => { if (paths.includes(ev.path)) deleted.push({ ev, at: Date.now() }) }
    b.on('watch', onWatch)
    t.teardown(() => { b.off('watch', onWatch) })
    for (const p of paths) {
      const e = await b.request({ type: OpCode.exists, path: p, watch: true })
      t.equal(e.body?.stat?.ephemeralOwner, a.sessionId, `B watches ${p}, owned by A`)
    }
    const z0 = (await b.request({ type: OpCode.exists, path: '/', watch: false })).zxid

    const last = await silence(a, sa)
    const deadline = last.to + TIMEOUT_MS + TICK_MS + DELIVERY_SLACK_MS + 5000
    while (deleted.length < paths.length && Date.now() < deadline) await sleep(20)
    t.same(deleted.map((d) => [d.ev.type, d.ev.path]).sort(), paths.map((p) => [EventType.NodeDeleted, p]), 'B was told both ephemerals were deleted')
    if (deleted.length < paths.length) return a
    const at = Math.max(...deleted.map((d) => d.at))
    t.ok(at - last.to <= TIMEOUT_MS + TICK_MS + DELIVERY_SLACK_MS,
      `notified ${at - last.to} ms after the last heartbeat: within timeout ${TIMEOUT_MS} + tick ${TICK_MS} (+ ${DELIVERY_SLACK_MS} ms delivery)`)
    t.ok(at - last.from >= TIMEOUT_MS, `not before the timeout (${at - last.from} ms after the earliest possible last heartbeat)`)

    // Exactly once: a single closeSession transaction, and none after it.
    await sleep(3 * TICK_MS)
    const z1 = (await b.request({ type: OpCode.exists, path: '/', watch: false })).zxid
    t.equal(z1 - z0, 1, 'the expiry was one transaction (one zxid), run once')
    for (const p of paths) t.equal((await b.request({ type: OpCode.exists, path: p, watch: false })).err, -101, `${p} is gone`)

    // A is told, one way or another: a resumed session is refused.
    const resumed = await ZkClient.connect(sb.address, { timeout: TIMEOUT_MS, sessionId: a.sessionIdBig, passwd: a.passwd, lastZxidSeen: 0 })
      .then((c) => { c.destroy(); return 'resumed' }, (err: Error) => err instanceof SessionExpiredError ? 'expired' : `${err.constructor.name}: ${err.message}`)
    t.equal(resumed, 'expired', 'resuming the session through another node answers session expired')
    return a
  }

  async function closedWithin (a: ZkClient, ms: number): Promise<boolean> {
    const until = Date.now() + ms
    while (!a.closed && Date.now() < until) await sleep(20)
    return a.closed
  }

  await t.test('the client stops sending (no pings): the node closes its connection', async (t) => {
    const a = await expireCase(t, 'quiet', { autoPing: false }, async (a) => {
      const from = Date.now()
      await a.request({ type: OpCode.exists, path: '/', watch: false })
      return { from, to: Date.now() }
    })
    t.ok(await closedWithin(a, 3000), 'A\'s connection was closed once its session expired')
  })

  // In each case A's last heartbeat is the request sent just before it goes
  // silent (a ping comes only after timeout/3 without requests).
  await t.test('its sidecar is frozen (SIGSTOP): the WebSocket stays open, the session still expires', async (t) => {
    const sa = await startSidecar([n1.url])
    try {
      await expireCase(t, 'frozen', { autoPing: true, sidecar: sa }, async (a) => {
        const from = Date.now()
        await a.request({ type: OpCode.exists, path: '/', watch: false })
        sa.signal('SIGSTOP')
        return { from, to: Date.now() }
      })
    } finally {
      sa.signal('SIGCONT')
    }
  })

  await t.test('its sidecar is killed (kill -9): no DETACH, the session lives until it expires', async (t) => {
    await expireCase(t, 'killed', { autoPing: true }, async (a, sa) => {
      const from = Date.now()
      await a.request({ type: OpCode.exists, path: '/', watch: false })
      await sa.kill9()
      return { from, to: Date.now() }
    })
  })

  await t.test('the only node it can reach dies: another node expires it', async (t) => {
    // A third node that only A's sidecar knows.
    const n3 = await startNode(redis.url, { tickMs: TICK_MS })
    t.teardown(() => n3.stop())
    const a = await expireCase(t, 'orphan', { autoPing: true, node: n3 }, async (a) => {
      const from = Date.now()
      await a.request({ type: OpCode.exists, path: '/', watch: false })
      await n3.kill9()
      // A node writes the heartbeats it heard to Redis every tick/2: those
      // heard since its last write die with it.
      return { from: from - TICK_MS / 2, to: Date.now() }
    })
    t.ok(await closedWithin(a, 3000), 'its sidecar, with no node to go to, closed A\'s connection')
  })

  await t.test('a session that keeps pinging is not expired', async (t) => {
    const sa = await startSidecar([n1.url])
    t.teardown(() => sa.stop())
    const a = await ZkClient.connect(sa.address, { timeout: TIMEOUT_MS })
    t.teardown(() => a.destroy())
    const c = await a.request({ type: OpCode.create, path: '/ex/alive', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.EPHEMERAL })
    t.equal(c.err, 0)
    await sleep(2 * TIMEOUT_MS)
    t.notOk(a.closed, 'A is still connected after two timeouts of pings only')
    t.equal((await b.request({ type: OpCode.exists, path: '/ex/alive', watch: false })).body?.stat?.ephemeralOwner, a.sessionId, 'its ephemeral is still there')
    t.equal((await a.close()).err, 0, 'and it closes normally')
  })
})
