// The REST API of a service node (`redkeeper node` over Redis), real
// processes: redis-server → node → sidecar for the ZooKeeper client.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { ALICE, call, restArgs, restSuite } from './rest-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  // a short tick: the idle test below outlives the REST session's timeout
  topo = await startTopology('node1', { tickMs: 200, node: { args: restArgs() } })
})
t.teardown(() => topo?.stop())

const target = (): { base: string, zkAddress: string } => {
  if (topo === undefined) throw new Error('topology not started')
  return { base: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zkAddress: topo.address }
}

restSuite(t, target, 'rest-node')

t.test('the REST session outlives idle periods longer than its timeout', async (t) => {
  const base = target().base
  t.equal((await call(base, 'POST', '/v1/znodes/idle', { headers: ALICE, body: { data: '1' } })).status, 201)
  // maxSessionTimeout = 20 ticks = 4 s
  await new Promise((resolve) => setTimeout(resolve, 5000))
  const status = await call(base, 'GET', '/v1/status')
  t.equal(status.body.sessions, 1, 'the REST session was kept alive, not left to expire (no ZooKeeper client is connected)')
  const r = await call(base, 'PUT', '/v1/znodes/idle', { headers: ALICE, body: { data: '2' } })
  t.equal(r.status, 200)
  t.equal(r.body.stat.version, 1)
})
