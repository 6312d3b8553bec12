// The REST API on lb3 (redis → 3 nodes → haproxy): each node's HTTP port and
// the haproxy frontend (mode http, so it proxies REST as well as the
// sidecars' WebSockets) serve the same tree. A write through one is read
// through the others, a conditional write through another sees its version,
// and a ZooKeeper client on the sidecar gets the watch events of REST writes
// made on any node.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, EventType, OpCode } from '../../src/engine/codes'
import { startTopology, type Topology } from '../support/topology'
import { ALICE, call, restArgs, SUPER } from '../http/rest-suite'
import { parseExposition } from '../http/metrics-format'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  topo = await startTopology('lb3', { node: { args: restArgs() } })
})
t.teardown(() => topo?.stop())

/** node 1..3, then haproxy */
function bases (): Array<{ name: string, url: string }> {
  const tp = topo as Topology
  const out = tp.nodes.map((n, i) => ({ name: `node${i + 1}`, url: `http://127.0.0.1:${n.httpPort}` }))
  if (tp.haproxy === undefined) throw new Error('lb3 has no haproxy')
  out.push({ name: 'haproxy', url: `http://127.0.0.1:${tp.haproxy.port}` })
  return out
}

function nextWatch (c: ZkClient): Promise<{ type: number, path: string }> {
  return new Promise((resolve) => c.once('watch', (ev: { type: number, path: string }) => resolve({ type: ev.type, path: ev.path })))
}

t.test('every node and the frontend serve one tree: each sees the others\' writes', async (t) => {
  const all = bases()
  const root = '/lb3-rest'
  const made = await call(all[0].url, 'POST', `/v1/znodes${root}`, { headers: ALICE, body: { data: 'root' } })
  t.equal(made.status, 201)
  for (let i = 0; i < all.length; i++) {
    const w = all[i]
    const r = all[(i + 1) % all.length]
    const u = all[(i + 2) % all.length]
    const path = `${root}/n${i}`
    t.equal((await call(w.url, 'POST', `/v1/znodes${path}`, { headers: ALICE, body: { data: `by ${w.name}` } })).status, 201, `create through ${w.name}`)
    const got = await call(r.url, 'GET', `/v1/znodes${path}`)
    t.same([got.status, got.body.data, got.headers.get('etag')], [200, `by ${w.name}`, '"0"'], `read through ${r.name}`)
    const set = await call(u.url, 'PUT', `/v1/znodes${path}`, { headers: { ...ALICE, 'if-match': '"0"' }, body: { data: `set by ${u.name}` } })
    t.same([set.status, set.headers.get('etag')], [200, '"1"'], `If-Match "0" through ${u.name}`)
    const stale = await call(w.url, 'PUT', `/v1/znodes${path}`, { headers: { ...ALICE, 'if-match': '"0"' }, body: { data: 'late' } })
    t.same([stale.status, stale.body.error], [412, 'BADVERSION'], `the stale If-Match through ${w.name}`)
  }
  for (const b of all) {
    const tree = await call(b.url, 'GET', `/v1/tree${root}?depth=1&data=true`)
    t.equal(tree.status, 200)
    const nodes = (tree.body.nodes as Array<{ path: string, data?: string }>).filter((n) => n.path !== root)
    t.same(nodes.map((n) => [n.path, n.data]).sort(), all.map((w, i) => [`${root}/n${i}`, `set by ${all[(i + 2) % all.length].name}`]).sort(), `the whole subtree through ${b.name}`)
  }
  const gone = await call(all[3].url, 'DELETE', `/v1/znodes${root}?recursive=true`, { headers: ALICE })
  t.same([gone.status, gone.body.deleted], [200, all.length + 1], 'a recursive delete through the frontend')
  for (const b of all.slice(0, 3)) t.equal((await call(b.url, 'GET', `/v1/stat${root}`)).status, 404, `gone for ${b.name}`)
})

t.test('a ZooKeeper client\'s session is listed by every node, and REST writes on any node fire its watches', async (t) => {
  const all = bases()
  const c = await ZkClient.connect((topo as Topology).address, { autoPing: true })
  t.teardown(() => c.destroy())
  const hex = `0x${c.sessionIdBig.toString(16)}`
  for (const b of all) {
    const s = await call(b.url, 'GET', '/v1/sessions', { headers: SUPER })
    t.equal(s.status, 200)
    t.ok((s.body.sessions as Array<{ id: string }>).some((x) => x.id === hex), `${b.name} lists ${hex}`)
    const one = await call(b.url, 'GET', `/v1/sessions/${hex}`, { headers: SUPER })
    t.equal(one.status, 200, `${b.name} answers for the session`)
  }

  const path = '/lb3-watched'
  t.equal((await call(all[0].url, 'POST', `/v1/znodes${path}`, { headers: ALICE, body: { data: 'v0' } })).status, 201)
  for (let i = 0; i < all.length; i++) {
    const b = all[i]
    t.equal((await c.request({ type: OpCode.getData, path, watch: true })).err, Err.OK)
    const fired = nextWatch(c)
    t.equal((await call(b.url, 'PUT', `/v1/znodes${path}`, { headers: ALICE, body: { data: `v${i + 1}` } })).status, 200)
    t.same(await fired, { type: EventType.NodeDataChanged, path }, `a set through ${b.name} fires the client's data watch`)
  }
  t.equal((await c.request({ type: OpCode.getChildren, path, watch: true })).err, Err.OK)
  const child = nextWatch(c)
  t.equal((await call(all[2].url, 'POST', `/v1/znodes${path}/kid`, { headers: ALICE })).status, 201)
  t.same(await child, { type: EventType.NodeChildrenChanged, path }, 'a create through node3 fires the child watch')
  const r = await c.request({ type: OpCode.getData, path, watch: false })
  t.equal(r.body?.data?.toString(), `v${all.length}`, 'the client reads the last REST write')
  t.equal((await call(all[1].url, 'DELETE', `/v1/znodes${path}?recursive=true`, { headers: ALICE })).status, 200)
})

/** a node's /metrics sample (0 when absent) */
async function metric (url: string, name: string, labels?: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}/metrics`)
  return parseExposition(await res.text()).get(name, labels) ?? 0
}

// last: it kills a node
t.test('a sidecar that loses its node re-attaches through another, which counts and logs it', async (t) => {
  const tp = topo as Topology
  const all = bases().slice(0, 3)
  const c = await ZkClient.connect(tp.address, { autoPing: true })
  t.teardown(() => c.destroy())
  const hex = `0x${c.sessionIdBig.toString(16)}`
  // the links of the earlier subtests' clients may take a moment to close
  let held: number[] = []
  for (let n = 0; n < 100; n++) {
    held = await Promise.all(all.map((b) => metric(b.url, 'redkeeper_connections')))
    if (held.filter((x) => x > 0).length === 1 && held.includes(1)) break
    await sleep(50)
  }
  const i = held.indexOf(1)
  t.ok(i >= 0 && held.filter((n) => n > 0).length === 1, `one node holds the client's link (${held.join(', ')})`)
  const survivors = all.filter((_, k) => k !== i)
  const before = await Promise.all(survivors.map((b) => metric(b.url, 'redkeeper_handshakes_total', { result: 'reattached' })))
  await tp.nodes[i].kill9()
  // the sidecar re-sends what was in flight once it has re-attached elsewhere
  t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK, 'the client carries on')
  const after = await Promise.all(survivors.map((b) => metric(b.url, 'redkeeper_handshakes_total', { result: 'reattached' })))
  t.equal(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0), 1, 'one re-attach, counted by the node that took it')
  const k = after.findIndex((n, j) => n > before[j])
  const node = tp.nodes.filter((_, j) => j !== i)[k]
  const logged = (): boolean => readFileSync(node.logFile, 'utf8').split('\n').filter((l) => l.includes('"session re-attached"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .some((l) => l.session === hex && typeof l.peer === 'string' && /^\/127\.0\.0\.1:\d+$/.test(l.peer) && l.level === 30)
  // pino writes asynchronously: wait (bounded) for the line
  for (let n = 0; n < 100 && !logged(); n++) await sleep(50)
  t.ok(logged(), `its log has 'session re-attached' for ${hex} with the client's address`)
})
