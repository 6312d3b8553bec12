import t from 'tap'
import { OpCode, Err } from '../../src/engine/codes'
import { startHarness } from './harness'

// The HTTP endpoints of the running server, over real HTTP.

t.setTimeout(60_000)

t.test('http', async (t) => {
  const h = await startHarness()
  t.teardown(() => h.stop())
  const base = `http://127.0.0.1:${h.server.httpPort}`

  t.test('GET /healthz', async (t) => {
    const res = await fetch(`${base}/healthz`)
    t.equal(res.status, 200)
    t.same(await res.json(), { status: 'ok' })
  })

  t.test('GET /readyz while serving', async (t) => {
    const res = await fetch(`${base}/readyz`)
    t.equal(res.status, 200)
    t.same(await res.json(), { status: 'ready' })
  })

  t.test('GET /v1/status follows the tree and the sessions', async (t) => {
    const before = await (await fetch(`${base}/v1/status`)).json() as Record<string, unknown>
    t.match(before, { mode: 'standalone', nodeCount: 4, sessions: 0, connections: 0, zookeeperVersion: /^3\.8\.0-redkeeper-/ })
    t.match(before.version, /^\d+\.\d+\.\d+/)
    const c = await h.connect()
    const made = await c.request({ type: OpCode.create, path: '/status', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
    t.equal(made.err, Err.OK)
    const after = await (await fetch(`${base}/v1/status`)).json() as Record<string, unknown>
    t.match(after, { nodeCount: 5, sessions: 1, connections: 1, zxid: made.zxid })
  })

  t.test('unknown routes are 404', async (t) => {
    t.equal((await fetch(`${base}/nope`)).status, 404)
  })
})

t.test('readyz is 503 once shutdown has begun', async (t) => {
  const h = await startHarness()
  const base = `http://127.0.0.1:${h.server.httpPort}`
  // hold a session so shutdown has a connection to close first
  await h.connect()
  const closing = h.server.close()
  const res = await fetch(`${base}/readyz`).catch(() => undefined)
  // Either the probe answered "not ready", or the HTTP port was already gone.
  if (res !== undefined) t.equal(res.status, 503)
  else t.pass('the HTTP port closed')
  await closing
  await h.stop().catch(() => {})
})
