// The long failover run (not in the default suite): `npm run test:failover`.
// FAILOVER_SECONDS (default 120), FAILOVER_SESSIONS (default 32) and
// FAILOVER_KILL_MS (default 2000) scale it.

import t from 'tap'
import { startTopology } from '../support/topology'
import { assertFigures, runFailover } from '../distributed/failover-workload'

const SECONDS = Number(process.env.FAILOVER_SECONDS ?? 120)
const SESSIONS = Number(process.env.FAILOVER_SESSIONS ?? 32)
const KILL_MS = Number(process.env.FAILOVER_KILL_MS ?? 2000)

t.setTimeout((SECONDS + 180) * 1000)

t.test(`failover (long): kill -9 a node every ${KILL_MS} ms for ${SECONDS} s, ${SESSIONS} sessions`, async (t) => {
  const topo = await startTopology('lb3')
  t.teardown(() => topo.stop())
  const figures = await runFailover(t, topo, { seconds: SECONDS, sessions: SESSIONS, killEveryMs: KILL_MS })
  assertFigures(t, figures, Math.floor(SECONDS * 1000 / KILL_MS) - 2)
})
