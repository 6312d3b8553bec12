// The REST API of the embedded server (`redkeeper start`), a real process.

import t from 'tap'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { ALICE, BEARER, call, restArgs, restSuite } from './rest-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  rk = await startRedkeeper({ args: [...restArgs(), '--no-fsync'] })
})
t.teardown(() => rk?.destroy())

const target = (): { base: string, zkAddress: string } => {
  if (rk === undefined) throw new Error('server not started')
  return { base: `http://127.0.0.1:${rk.httpPort}`, zkAddress: rk.address }
}

restSuite(t, target, 'rest-embedded')

t.test('a REST write survives kill -9 the moment it is acknowledged', async (t) => {
  const server = rk as RedkeeperHandle
  // fsync on for this one: acknowledged means on disk
  await server.destroy()
  rk = await startRedkeeper({ args: restArgs() })
  const base = target().base
  t.equal((await call(base, 'POST', '/v1/znodes/durable', { headers: ALICE, body: { data: 'kept' } })).status, 201)
  await rk.kill9()
  rk = await rk.restart()
  const got = await call(target().base, 'GET', '/v1/znodes/durable')
  t.equal(got.status, 200)
  t.equal(got.body.data, 'kept')
})

t.test('--api-require-auth refuses anonymous reads', async (t) => {
  const strict = await startRedkeeper({ args: [...restArgs(), '--no-fsync', '--api-require-auth'] })
  t.teardown(() => strict.destroy())
  const base = `http://127.0.0.1:${strict.httpPort}`
  const anon = await call(base, 'GET', '/v1/znodes/')
  t.equal(anon.status, 401)
  t.equal(anon.body.error, 'AUTHREQUIRED')
  t.equal((await call(base, 'GET', '/v1/children/')).status, 401)
  t.equal((await call(base, 'GET', '/v1/znodes/', { headers: BEARER })).status, 200)
  t.equal((await call(base, 'GET', '/v1/znodes/', { headers: ALICE })).status, 200)
  t.equal((await call(base, 'GET', '/healthz')).status, 200, 'probes stay open')
})

t.test('the REST session outlives idle periods longer than its timeout', async (t) => {
  // tick 200 ms: maxSessionTimeout = 20 ticks = 4 s
  const quick = await startRedkeeper({ tickMs: 200, args: [...restArgs(), '--no-fsync'] })
  t.teardown(() => quick.destroy())
  const base = `http://127.0.0.1:${quick.httpPort}`
  t.equal((await call(base, 'POST', '/v1/znodes/idle', { headers: ALICE, body: { data: '1' } })).status, 201)
  await new Promise((resolve) => setTimeout(resolve, 5000))
  t.equal((await call(base, 'GET', '/v1/status')).body.sessions, 1, 'kept alive, not expired (no ZooKeeper client is connected)')
  const r = await call(base, 'PUT', '/v1/znodes/idle', { headers: ALICE, body: { data: '2' } })
  t.equal(r.status, 200)
  t.equal(r.body.stat.version, 1)
})
