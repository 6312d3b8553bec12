// The watch stream of the embedded server (`redkeeper start`), a real process.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { ALICE, restArgs } from './rest-suite'
import { openSse, openWs, Refused, sessionIds } from './watch-client'
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

t.test('--api-require-auth: an anonymous stream is refused with 401; an open stream keeps its session past the timeout', async (t) => {
  // tick 100 ms: sessions time out after at most 20 ticks, 2 s
  const strict = await startRedkeeper({ tickMs: 100, args: [...restArgs(), '--no-fsync', '--api-require-auth'] })
  t.teardown(() => strict.destroy())
  const base = `http://127.0.0.1:${strict.httpPort}`
  for (const open of [openSse, openWs]) {
    const refused = await open(base, '/').then(() => undefined, (err: unknown) => err)
    t.equal((refused as Refused).status, 401, `${open.name}: anonymous`)
    t.equal((refused as Refused).body.error, 'AUTHREQUIRED')
  }
  const s = await openWs(base, '/', { headers: ALICE })
  const ready = await s.next()
  t.equal(ready.event, 'ready')
  const quiet = await s.next(3000).then((m) => JSON.stringify(m), (err: Error) => err.message)
  t.match(quiet, /^no message within/, 'no error after more than the session timeout')
  t.ok((await sessionIds(base)).includes(ready.session), 'its session is alive')
  s.close()
  await s.ended
})
