import t, { type Test } from 'tap'
import { request } from 'node:http'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { RateBuckets } from '../../src/http/rate-limit'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'

// --api-rate-limit: a token bucket per client address on the HTTP API. A
// burst past it gets 429 RATE_LIMITED with Retry-After; another address is
// still served; the probes are never limited; and on a node the ZooKeeper
// WebSockets of a sidecar (/v1/zk) are not counted, so a sidecar's clients
// connect however many there are.

const RATE = ['--api-rate-limit', '1', '--api-rate-burst', '3']
const FLOOD = 40

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

function get (port: number, path: string, from = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: from, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

async function exercise (t: Test, httpPort: number): Promise<void> {
  // all at once: far more than the burst of 3 plus 1 per second
  const replies = await Promise.all(Array.from({ length: FLOOD }, () => get(httpPort, '/v1/znodes/')))
  const ok = replies.filter((r) => r.status === 200)
  const limited = replies.filter((r) => r.status === 429)
  t.ok(ok.length >= 1, `some requests served (${ok.length})`)
  t.ok(limited.length >= 1, `the rest refused (${limited.length} × 429)`)
  t.equal(ok.length + limited.length, FLOOD, 'every reply is 200 or 429')
  const r = limited[0]
  const body = JSON.parse(r.body) as { error: string, message: string }
  t.equal(body.error, 'RATE_LIMITED')
  t.match(body.message, /requests per second/)
  t.match(r.headers['content-type'], /application\/json/)
  t.ok(Number(r.headers['retry-after']) >= 1, `Retry-After: ${String(r.headers['retry-after'])}`)

  for (const probe of ['/healthz', '/readyz', '/metrics']) {
    t.equal((await get(httpPort, probe)).status, 200, `${probe} is not limited`)
  }
  t.equal((await get(httpPort, '/v1/znodes/', '127.0.0.2')).status, 200, 'another address (127.0.0.2) is served')

  // the bucket fills again: the same address is served once it has waited
  for (;;) {
    const again = await get(httpPort, '/v1/znodes/')
    if (again.status === 200) break
    t.equal(again.status, 429)
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(again.headers['retry-after'])))
  }
  t.pass('the limited address is served again after Retry-After')
}

t.test('token buckets (a given clock)', async (t) => {
  const b = new RateBuckets({ perSecond: 2, burst: 3 }, 2)
  t.same([b.take('a', 0), b.take('a', 0), b.take('a', 0)], [0, 0, 0], 'the burst')
  t.equal(b.take('a', 0), 500, 'then one token per 500 ms')
  t.equal(b.take('a', 250), 250)
  t.equal(b.take('a', 500), 0, 'a token is back')
  t.equal(b.take('b', 500), 0, 'another key has its own bucket')
  t.equal(b.take('c', 600), 0, 'a third key past the cap of 2 evicts one')
  t.ok(b.size <= 2, `at most 2 buckets kept (${b.size})`)
  b.evict(10_000)
  t.equal(b.size, 0, 'idle (full) buckets are forgotten')
})

t.test('embedded', async (t) => {
  const rk = await startRedkeeper({ args: RATE })
  t.teardown(() => rk.destroy())
  await exercise(t, rk.httpPort)
})

t.test('node1', async (t) => {
  const topo = await startTopology('node1', { node: { args: RATE } })
  t.teardown(() => topo.stop())
  await exercise(t, topo.nodes[0].httpPort)
  // the bucket of 127.0.0.1 is empty again after this burst
  const burst = await Promise.all(Array.from({ length: 10 }, () => get(topo.nodes[0].httpPort, '/v1/znodes/')))
  t.ok(burst.some((r) => r.status === 429), '127.0.0.1 is rate-limited on REST')
  // the sidecar (127.0.0.1 too) opens one WebSocket per ZooKeeper connection: none is refused
  const clients = await Promise.all(Array.from({ length: 20 }, () => ZkClient.connect(topo.address)))
  t.teardown(() => { for (const c of clients) c.destroy() })
  for (const c of clients) t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  t.pass(`${clients.length} ZooKeeper connections through the sidecar while its address is rate-limited on REST`)
})
