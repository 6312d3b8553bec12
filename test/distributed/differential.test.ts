// The differential test (test/differential/runner.ts) through each
// distributed topology: seeded random workloads in lock-step to a real
// ZooKeeper 3.8 and to sidecar → [haproxy →] node(s) → Redis, every reply
// and watch event compared. Each topology gets a fresh ZooKeeper, since
// zxids are compared as offsets from the start.

import t from 'tap'
import { runDifferential } from '../differential/runner'
import { startTopology } from '../support/topology'
import { startZooKeeper } from '../support/zookeeper'
import { topologyKinds } from './kinds'

for (const kind of topologyKinds()) {
  t.test(`${kind} answers exactly as ZooKeeper 3.8 on seeded random workloads`, async (t) => {
    const [zk, topo] = await Promise.all([startZooKeeper(), startTopology(kind)])
    t.teardown(async () => { await zk.stop(); await topo.stop() })
    await runDifferential(t, zk.address, topo.address, kind)
  })
}
