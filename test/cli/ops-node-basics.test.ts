// The operator commands (basics) against a service node (redkeeper node over
// Redis, real redis-server): the same suite as the embedded server.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { opsSuite, restArgs } from './ops-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => { topo = await startTopology('node1', { node: { args: restArgs() } }) })
t.teardown(() => topo?.stop())

opsSuite(t, () => {
  if (topo === undefined) throw new Error('topology not started')
  return `http://127.0.0.1:${topo.nodes[0].httpPort}`
}, 'ops-node-basics', 'basics')
