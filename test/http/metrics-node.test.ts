// /metrics of a service node (`redkeeper node` over Redis), real processes:
// redis-server → node → sidecar for the ZooKeeper client.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { metricsSuite } from './metrics-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  topo = await startTopology('node1')
})
t.teardown(() => topo?.stop())

metricsSuite(t, () => {
  if (topo === undefined) throw new Error('topology not started')
  return { base: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zkAddress: topo.address, embedded: false }
})
