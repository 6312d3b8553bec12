// Sessions, watches and HBase views over REST on a service node: real
// redis-server → node → sidecar for the ZooKeeper clients. The tables read
// are the whole service's, in Redis.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { restArgs } from './rest-suite'
import { inspectSuite } from './inspect-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  topo = await startTopology('node1', { node: { args: restArgs() } })
})
t.teardown(() => topo?.stop())

inspectSuite(t, () => {
  if (topo === undefined) throw new Error('topology not started')
  return { base: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zkAddress: topo.address }
}, 'inspect-node')
