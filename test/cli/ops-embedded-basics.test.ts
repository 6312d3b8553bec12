// The operator commands (basics) against a real embedded server (redkeeper start).

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { opsSuite, restArgs } from './ops-suite'

t.setTimeout(60_000)

let server: RedkeeperHandle | undefined
t.before(async () => { server = await startRedkeeper({ args: restArgs() }) })
t.teardown(() => server?.destroy())

opsSuite(t, () => {
  if (server === undefined) throw new Error('server not started')
  return `http://127.0.0.1:${server.httpPort}`
}, 'ops-embedded-basics', 'basics')
