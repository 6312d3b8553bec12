// The ZooKeeper conformance suite (test/conformance/suite.ts, green against
// a real ZooKeeper 3.8) through each distributed topology: the client talks
// to the sidecar, which carries every frame over WebSocket to the node(s),
// which keep everything in Redis.

import t from 'tap'
import { conformance } from '../conformance/suite'
import { startTopology, type Topology } from '../support/topology'
import { topologyKinds } from './kinds'

for (const kind of topologyKinds()) {
  t.test(kind, async (t) => {
    let topo: Topology | undefined
    t.before(async () => { topo = await startTopology(kind) })
    t.teardown(async () => { await topo?.stop() })
    conformance(t, () => {
      if (topo === undefined) throw new Error(`${kind} did not start`)
      return topo.address
    })
  })
}
