// The conformance suite against our own server, started as a real process.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { conformance } from './suite'

let rk: RedkeeperHandle | undefined

t.before(async () => {
  rk = await startRedkeeper()
})
t.teardown(async () => {
  await rk?.destroy()
})

conformance(t, () => {
  if (rk === undefined) throw new Error('redkeeper did not start')
  return rk.address
})
