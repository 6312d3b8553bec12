// The watch stream of the embedded server (`redkeeper start`), a real process.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { restArgs } from './rest-suite'
import { watchArgs, watchSuite } from './watch-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  rk = await startRedkeeper({ args: [...restArgs(), ...watchArgs(), '--no-fsync'] })
})
t.teardown(() => rk?.destroy())

watchSuite(t, () => {
  if (rk === undefined) throw new Error('server not started')
  return { base: `http://127.0.0.1:${rk.httpPort}`, zkAddress: rk.address }
}, 'watch-embedded')
