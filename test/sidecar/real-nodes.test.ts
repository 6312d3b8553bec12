// The sidecar against real pieces: a private redis-server, `redkeeper node`
// processes (bin/redkeeper.js, killed with SIGKILL), the sidecar's own code
// in this process (so its counters can prove a failover really happened),
// and the raw ZooKeeper client over TCP.

import t, { type Test } from 'tap'
import { ZkClient, SessionExpiredError, type Reply } from '../../src/client'
import { CreateFlag, Err, EventType } from '../../src/engine/codes'
import { startSidecar, type RunningSidecar } from '../../src/sidecar'
import { fourLetterWord } from '../support/fourlw'
import { startNode, startRedis, type NodeHandle } from '../support/topology'
import { bytes, closedByServer, collect, create, exists, getChildren, getData, setData, within } from '../conformance/helpers'

t.setTimeout(180_000)

interface Rig {
  nodes: NodeHandle[]
  sidecar: RunningSidecar
  address: string
  client(timeout: number, opts?: Parameters<typeof ZkClient.connect>[1]): Promise<ZkClient>
}

/** redis → `count` nodes; the sidecar knows them all, and sends the n-th connection to node n mod count. */
async function rig (t: Test, count: number): Promise<Rig> {
  const redis = await startRedis()
  const nodes: NodeHandle[] = []
  for (let i = 0; i < count; i++) nodes.push(await startNode(redis.url, { tickMs: 500 }))
  const sidecar = await startSidecar({ upstreams: nodes.map((n) => n.url), zkPort: 0 })
  const address = `127.0.0.1:${sidecar.zkPort}`
  const clients: ZkClient[] = []
  t.teardown(async () => {
    for (const c of clients) if (!c.closed) c.destroy()
    await sidecar.close()
    for (const n of nodes) await n.stop()
    await redis.stop()
  })
  return {
    nodes,
    sidecar,
    address,
    client: async (timeout, opts = {}) => {
      const c = await ZkClient.connect(address, { timeout, ...opts })
      clients.push(c)
      return c
    }
  }
}

async function until (cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Runs `n` jobs with at most `window` in flight, in start order. */
async function windowed (n: number, window: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: window }, async () => {
    while (next < n) await job(next++)
  })
  await Promise.all(lanes)
}

const seqName = (i: number): string => `n-${String(i).padStart(10, '0')}`

t.test('kill -9 of the node mid-stream: no disconnect, no lost or repeated write, watches still fire', async (t) => {
  const r = await rig(t, 2)
  const a = await r.client(6000) // node 0
  const b = await r.client(6000) // node 1
  t.equal((await create(a, '/seq')).err, Err.OK)
  t.equal((await create(a, '/w', 0, bytes('0'))).err, Err.OK)
  t.equal((await getData(a, '/w', true)).err, Err.OK, 'a watch set through node 0')
  const events = collect(a)
  let closed = false
  a.on('close', () => { closed = true })

  const N = 400
  const replies: Reply[] = []
  let done = 0
  let doneAtKill = -1
  const killer = (async () => {
    await until(() => done >= 60, '60 creates')
    doneAtKill = done
    await r.nodes[0].kill9()
    // A change while A's connection may still be moving: its event must
    // reach A exactly once, through whichever node A lands on.
    t.equal((await setData(b, '/w', bytes('1'))).err, Err.OK)
  })()
  await within(windowed(N, 16, async (i) => {
    replies[i] = await create(a, '/seq/n-', CreateFlag.PERSISTENT_SEQUENTIAL)
    done++
  }), 'the creates', 60_000)
  await killer

  t.ok(doneAtKill > 0 && doneAtKill < N, `the node died mid-stream (after ${doneAtKill} of ${N} replies)`)
  t.same(replies.filter((x) => x.err !== Err.OK).length, 0, 'every create succeeded')
  t.same(replies.map((x) => x.body), Array.from({ length: N }, (_, i) => ({ path: `/seq/${seqName(i)}` })),
    'sequence numbers 0..N-1 in request order: none lost, none applied twice')
  const kids = (await getChildren(a, '/seq')).body?.children ?? []
  t.equal(kids.length, N, 'exactly N children')
  await within(until(() => events.length > 0, 'the watch event'), 'the watch event')
  await getData(a, '/w') // a round trip: any duplicate event would be here by now
  t.same(events.map((e) => [e.type, e.path]), [[EventType.NodeDataChanged, '/w']], 'the watch fired exactly once')
  t.notOk(closed || a.closed, 'the client never saw its connection close')
  t.comment(`killed after ${doneAtKill} replies; sidecar: ${JSON.stringify(r.sidecar.stats)}`)
  t.ok(r.sidecar.stats.resumes >= 1, 'the connection was re-attached')
  t.ok(r.sidecar.stats.replayed >= 1, 'unanswered requests were re-sent')
  t.equal(r.sidecar.stats.gaveUp, 0)
  t.notOk(b.closed, 'the client on the surviving node was untouched')
})

t.test('a client closing its TCP connection detaches: its watches go, its session stays', async (t) => {
  const r = await rig(t, 1)
  const port = r.sidecar.zkPort
  const watches = async (): Promise<number> => {
    const m = /zk_watch_count\s+(\d+)/.exec(await fourLetterWord('127.0.0.1', port, 'mntr'))
    if (m === null) throw new Error('mntr through the sidecar has no zk_watch_count')
    return Number(m[1])
  }
  const a = await r.client(6000)
  t.equal((await create(a, '/eph', CreateFlag.EPHEMERAL)).err, Err.OK)
  t.equal((await getData(a, '/eph', true)).err, Err.OK)
  t.equal(await watches(), 1, 'one watch registered (read through the sidecar from the node)')
  a.destroy()
  await within(until(async () => (await watches()) === 0, 'the watch to go'), 'DETACH to drop the watch')
  const b = await r.client(6000)
  t.equal((await exists(b, '/eph')).err, Err.OK, 'the session (and its ephemeral) lives on')
  const back = await r.client(6000, { sessionId: a.sessionIdBig, passwd: a.passwd })
  t.equal(back.sessionIdBig, a.sessionIdBig, 'and can be resumed')
})

t.test('no node comes back within the session timeout: the client is closed and learns its session expired', async (t) => {
  const r = await rig(t, 2)
  const a = await r.client(2000)
  t.equal((await create(a, '/gone', CreateFlag.EPHEMERAL)).err, Err.OK)
  for (const n of r.nodes) await n.kill9()
  await closedByServer(a)
  t.equal(r.sidecar.stats.gaveUp, 1, 'the sidecar gave up after the session timeout')
  await r.nodes[0].restart()
  const watcher = await r.client(6000)
  // The restarted node's expiry tick removes the session and its ephemeral.
  await within(until(async () => (await exists(watcher, '/gone')).err === Err.NONODE, 'the ephemeral to go'), 'the session to expire')
  await t.rejects(ZkClient.connect(r.address, { sessionId: a.sessionIdBig, passwd: a.passwd, timeout: 2000 }), SessionExpiredError)
})
