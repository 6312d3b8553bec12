// /metrics of the embedded server (`redkeeper start`), a real process.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { metricsSuite, SNAP_COUNT } from './metrics-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  // fsync on: the fsync histogram must move
  rk = await startRedkeeper({ args: ['--snap-count', String(SNAP_COUNT)] })
})
t.teardown(() => rk?.destroy())

metricsSuite(t, () => {
  if (rk === undefined) throw new Error('server not started')
  return { base: `http://127.0.0.1:${rk.httpPort}`, zkAddress: rk.address, embedded: true }
})
