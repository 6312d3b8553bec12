// The watch stream of a service node (`redkeeper node` over Redis), real
// processes: redis-server → node → sidecar for the ZooKeeper client, the
// stream straight from the node's HTTP port.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { restArgs } from './rest-suite'
import { watchArgs, watchSuite } from './watch-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  topo = await startTopology('node1', { node: { args: [...restArgs(), ...watchArgs()] } })
})
t.teardown(() => topo?.stop())

watchSuite(t, () => {
  if (topo === undefined) throw new Error('topology not started')
  return { base: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zkAddress: topo.address }
}, 'watch-node')
