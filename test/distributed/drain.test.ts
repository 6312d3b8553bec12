// A rolling restart: SIGTERM one node of lb3 (sidecar → haproxy → 3 nodes →
// Redis) while clients behind the sidecar keep sending requests. The node
// drains (stops accepting, tells its sidecars to move, waits for them) and
// exits 0; no client sees a disconnect, a session event or an error reply,
// and every client keeps being answered afterwards.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import { httpGet } from '../support/launch'
import { NodeZk } from '../support/nodezk'
import { sleep } from '../support/proc'
import { startTopology, type NodeHandle } from '../support/topology'

const DRAIN_TIMEOUT_MS = 5000

interface Load {
  ops: number
  errors: string[]
  stop: boolean
  done: Promise<void>
}

/** setData then getData on the client's own znode, back to back, until stopped. */
function rawLoad (c: ZkClient, path: string): Load {
  const load: Load = { ops: 0, errors: [], stop: false, done: Promise.resolve() }
  load.done = (async () => {
    let n = 0
    while (!load.stop) {
      const data = Buffer.from(String(++n))
      try {
        const set = await c.request({ type: OpCode.setData, path, data, dataLength: data.length, version: -1 })
        if (set.err !== 0) load.errors.push(`setData ${path}: err ${set.err}`)
        const get = await c.request({ type: OpCode.getData, path, watch: false })
        if (get.err !== 0) load.errors.push(`getData ${path}: err ${get.err}`)
        else if (get.body?.data === undefined || get.body.data === null || !Buffer.from(get.body.data).equals(data)) load.errors.push(`getData ${path}: not the data just set`)
        load.ops += 2
      } catch (err) {
        load.errors.push(`${path}: ${(err as Error).message}`)
        return
      }
    }
  })()
  return load
}

function nodeZkLoad (c: NodeZk, path: string): Load {
  const load: Load = { ops: 0, errors: [], stop: false, done: Promise.resolve() }
  load.done = (async () => {
    let n = 0
    while (!load.stop) {
      try {
        await c.setData(path, Buffer.from(String(++n)))
        await c.getData(path)
        load.ops += 2
      } catch (err) {
        load.errors.push(`${path}: ${(err as Error).message}`)
        return
      }
    }
  })()
  return load
}

async function connectionsOf (node: NodeHandle): Promise<number> {
  const r = await httpGet(node.httpPort, '/v1/status')
  if (r === null || r.status !== 200) throw new Error(`node ${node.hostPort}: /v1/status answered ${r?.status ?? 'nothing'}`)
  return (JSON.parse(r.body) as { connections: number }).connections
}

t.test('SIGTERM on a node: its sidecars move, no client notices, the node exits 0', async (t) => {
  const topo = await startTopology('lb3', { node: { args: ['--drain-timeout-ms', String(DRAIN_TIMEOUT_MS)] } })
  t.teardown(() => topo.stop())

  const closes: string[] = []
  const raws = await Promise.all(Array.from({ length: 6 }, async () => await ZkClient.connect(topo.address, { timeout: 10_000 })))
  for (const c of raws) c.on('close', (why) => closes.push(why))
  const nzcs = await Promise.all(Array.from({ length: 3 }, async () => await NodeZk.connect(topo.address, { sessionTimeout: 10_000 })))
  const states: string[] = []
  for (const c of nzcs) c.raw.on('state', (s) => states.push(s.name))
  t.teardown(() => {
    for (const c of raws) c.close().catch(() => {})
    for (const c of nzcs) c.close().catch(() => {})
  })

  const loads: Load[] = []
  for (const [i, c] of raws.entries()) {
    const path = `/drain-raw-${i}`
    t.equal((await c.request({ type: OpCode.create, path, data: Buffer.alloc(0), dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).err, 0)
    loads.push(rawLoad(c, path))
  }
  for (const [i, c] of nzcs.entries()) {
    const path = `/drain-nzc-${i}`
    await c.create(path)
    loads.push(nodeZkLoad(c, path))
  }
  await sleep(500)

  // the node carrying the most sidecar links: draining it must move some
  const counts = await Promise.all(topo.nodes.map(connectionsOf))
  const victim = topo.nodes[counts.indexOf(Math.max(...counts))]
  const moved = Math.max(...counts)
  t.ok(moved > 0, `the drained node carries ${moved} of ${counts.reduce((a, b) => a + b, 0)} links`)

  const before = loads.map((l) => l.ops)
  await victim.stop()
  t.equal(victim.exitCode, 0, 'the node exited 0 by itself (stop() SIGKILLs after 10 s)')

  // every link now lives on the two other nodes, and every client is still served
  await sleep(1000)
  const after = loads.map((l) => l.ops)
  for (const l of loads) l.stop = true
  await Promise.all(loads.map(async (l) => await l.done))

  t.same(loads.flatMap((l) => l.errors), [], 'no error reply and no failed request')
  t.same(closes, [], 'no raw client connection closed')
  t.same(states, [], 'no node-zookeeper-client state change (no DISCONNECTED, no EXPIRED)')
  for (const [i, n] of after.entries()) t.ok(n > before[i], `client ${i} was answered after the SIGTERM (${before[i]} → ${n} ops)`)
  const others = topo.nodes.filter((n) => n !== victim)
  const remaining = await Promise.all(others.map(connectionsOf))
  t.equal(remaining.reduce((a, b) => a + b, 0), raws.length + nzcs.length, 'every link re-attached through the other nodes')
})
