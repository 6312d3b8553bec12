// 16 client sessions (12 raw ZkClient, 4 node-zookeeper-client) through
// sidecar → haproxy → 3 nodes → Redis for 30 s, a node killed with SIGKILL
// every 3 s and restarted: no client notices, nothing is lost or applied
// twice, no watch event is lost (details in failover-workload.ts). The long
// run is test/heavy/failover-long.test.ts (`npm run test:failover`).

import t from 'tap'
import { startTopology } from '../support/topology'
import { assertFigures, runFailover } from './failover-workload'

const SECONDS = Number(process.env.FAILOVER_SECONDS ?? 30)

t.test(`failover: kill -9 a node every 3 s for ${SECONDS} s under load`, async (t) => {
  const topo = await startTopology('lb3')
  t.teardown(() => topo.stop())
  const figures = await runFailover(t, topo, { seconds: SECONDS, sessions: 16, killEveryMs: 3000 })
  assertFigures(t, figures, Math.floor(SECONDS / 3) - 2)
})
