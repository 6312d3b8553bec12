// Structured logs, read as an operator's log shipper reads them: the JSON
// lines a real process writes to stdout. A refused REST request gets one line
// with Fastify's reqId, route, status and ZooKeeper error; a successful probe
// gets none; a ZooKeeper connection logs its session and client address when
// it opens and closes. Embedded and node1 (the node logs the client address
// its sidecar reports).

import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { ZkClient } from '../../src/client'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { startTopology, type Topology } from '../support/topology'

t.setTimeout(60_000)

type Line = Record<string, unknown>

function linesFrom (file: string, offset: number): Line[] {
  const text = readFileSync(file).subarray(offset).toString('utf8')
  const out: Line[] = []
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue
    out.push(JSON.parse(raw) as Line)
  }
  return out
}

/** Waits (bounded) until a line matching `pred` is in the log; pino writes asynchronously. */
async function lineWhere (file: string, offset: number, pred: (l: Line) => boolean, what: string): Promise<Line> {
  for (let i = 0; i < 200; i++) {
    const hit = linesFrom(file, offset).find(pred)
    if (hit !== undefined) return hit
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`no log line ${what} in ${file}`)
}

async function suite (t: Test, target: () => { base: string, zkAddress: string, logFile: string }): Promise<void> {
  const { base, zkAddress, logFile } = target()
  const offset = readFileSync(logFile).length
  const tag = `/logs-${Date.now().toString(36)}`

  // successes, probes included: no line
  for (const url of ['/healthz', '/readyz', '/v1/status', '/v1/znodes/zookeeper']) {
    const res = await fetch(base + url)
    t.equal(res.status, 200, url)
    await res.text()
  }
  // refusals: one line each
  const missing = await fetch(`${base}/v1/znodes${tag}`)
  t.equal(missing.status, 404)
  await missing.text()
  const bad = await fetch(`${base}/v1/tree/?depth=banana`)
  t.equal(bad.status, 400)
  await bad.text()

  const nonode = await lineWhere(logFile, offset, (l) => l.status === 404 && l.url === `/v1/znodes${tag}`, 'for the 404')
  t.equal(nonode.msg, 'HTTP request refused')
  t.equal(nonode.level, 30, 'a client\'s mistake is logged at info')
  t.equal(nonode.route, '/v1/znodes/*', 'the route pattern')
  t.equal(nonode.method, 'GET')
  t.equal(nonode.error, 'NONODE', 'the ZooKeeper error')
  t.match(nonode.reqId, /\S/, 'Fastify\'s request id')
  const badargs = await lineWhere(logFile, offset, (l) => l.status === 400, 'for the 400')
  t.equal(badargs.error, 'BADARGUMENTS')
  t.equal(badargs.route, '/v1/tree/*')
  t.not(badargs.reqId, nonode.reqId, 'each request has its own id')

  // a ZooKeeper session: opened and closed, with its id and the client's address
  const c = await ZkClient.connect(zkAddress, { autoPing: false })
  const session = `0x${c.sessionIdBig.toString(16)}`
  const opened = await lineWhere(logFile, offset, (l) => l.msg === 'session established' && l.session === session, `'session established' for ${session}`)
  t.match(opened.peer, /^\/127\.0\.0\.1:\d+$/, 'the client\'s address')
  t.equal(opened.level, 30)
  await c.close()
  const closed = await lineWhere(logFile, offset, (l) => l.msg === 'connection closed' && l.session === session, `'connection closed' for ${session}`)
  t.equal(closed.peer, opened.peer, 'the same client')

  const lines = linesFrom(logFile, offset)
  t.same(lines.filter((l) => typeof l.url === 'string' && /^\/(healthz|readyz|v1\/status|v1\/znodes\/zookeeper)/.test(l.url)), [], 'no line for a successful request')
  t.equal(lines.filter((l) => l.msg === 'HTTP request refused').length, 2, 'one line per refused request')
}

t.test('embedded', async (t) => {
  let rk: RedkeeperHandle | undefined
  t.teardown(() => rk?.destroy())
  rk = await startRedkeeper({ args: ['--no-fsync'] })
  const h = rk
  await suite(t, () => ({ base: `http://127.0.0.1:${h.httpPort}`, zkAddress: h.address, logFile: h.logFile }))
})

t.test('node1', async (t) => {
  let topo: Topology | undefined
  t.teardown(() => topo?.stop())
  topo = await startTopology('node1')
  const node = topo.nodes[0]
  await suite(t, () => ({ base: `http://127.0.0.1:${node.httpPort}`, zkAddress: (topo as Topology).address, logFile: node.logFile }))
})
