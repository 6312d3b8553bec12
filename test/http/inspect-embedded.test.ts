// Sessions, watches and HBase views over REST on the embedded server
// (`redkeeper start`, a real process).

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { call, digestOf, restArgs } from './rest-suite'
import { inspectSuite } from './inspect-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  rk = await startRedkeeper({ args: [...restArgs(), '--no-fsync'] })
})
t.teardown(() => rk?.destroy())

inspectSuite(t, () => {
  if (rk === undefined) throw new Error('server not started')
  return { base: `http://127.0.0.1:${rk.httpPort}`, zkAddress: rk.address }
}, 'inspect-embedded')

t.test('a token mapped to super: may inspect', async (t) => {
  const token = 'super-token-0123456789'
  const s = await startRedkeeper({ args: ['--api-token', token, '--api-identity', `super:,digest:${digestOf('x', 'y')}`, '--no-fsync'] })
  t.teardown(() => s.destroy())
  const r = await call(`http://127.0.0.1:${s.httpPort}`, 'GET', '/v1/sessions', { headers: { authorization: `Bearer ${token}` } })
  t.equal(r.status, 200)
  t.equal(r.body.sessions.length, 0, 'no client has connected (REST\'s own session starts with its first request)')
})
