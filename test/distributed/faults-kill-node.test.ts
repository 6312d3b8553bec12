// The short fault run of the default suite: 8 recorded sessions on sidecar →
// haproxy → 3 nodes → Redis for 15 s while a node is killed with SIGKILL
// every 3 s; the history is checked (linearizable registers, FIFO, watch
// before data, the sequential queues two of the sessions work on as a
// linearizable FIFO queue), no acknowledged write or queue item is lost, no
// live session expires and the silent ones expire once. The full matrix is `npm run test:faults`
// (test/heavy/faults.test.ts, test/faults/).

import t from 'tap'
import { assertRow, FAULTS, runFault } from '../faults/faults'

const fault = FAULTS.find((f) => f.name === 'kill-node')
if (fault === undefined) throw new Error('no kill-node fault')

t.test('fault run: kill -9 a node every 3 s for 15 s, 8 recorded sessions', async (t) => {
  const { row } = await runFault(t, fault, { seconds: 15, sessions: 8, silent: 1 })
  assertRow(t, fault, row)
})
