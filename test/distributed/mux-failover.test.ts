// Many sessions over one WebSocket per sidecar–node pair (GET /v1/zk/mux),
// with real processes: a node killed under load, and every session on its
// shared WebSocket resumes through the other node, with nothing lost or
// applied twice and no client noticing.

import t from 'tap'
import { OpCode } from '../../src/engine/codes'
import { OPEN_ACL } from '../node/ws-client'
import { startNode, startRedis, startSidecar } from '../support/topology'
import { closes, connectAll, connectionsTo, EPHEMERAL, nodeConnections, PERSISTENT, until } from './mux-helpers'

t.test('a node killed under load: every session of its shared WebSocket resumes elsewhere, nothing lost or applied twice', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [a, b] = await Promise.all([startNode(redis.url), startNode(redis.url)])
  t.teardown(async () => { await Promise.all([a.stop(), b.stop()]) })
  const sidecar = await startSidecar([a.url, b.url], { args: ['--upstream-mux-sockets', '1'] })
  t.teardown(() => sidecar.stop())

  const N = 24
  const clients = await connectAll(sidecar.address, N)
  const ended: string[] = []
  t.teardown(() => { for (const c of clients) if (!c.closed) c.destroy() })
  for (const [i, c] of clients.entries()) {
    const made = await c.request({ type: OpCode.create, path: `/mux-${i}`, data: Buffer.from('0'), dataLength: 1, acl: OPEN_ACL, flags: PERSISTENT })
    t.equal(made.err, 0, `client ${i} creates its znode`)
    const eph = await c.request({ type: OpCode.create, path: `/mux-e-${i}`, data: Buffer.alloc(0), dataLength: 0, acl: OPEN_ACL, flags: EPHEMERAL })
    t.equal(eph.err, 0, `client ${i} creates its ephemeral`)
  }
  ended.push(...closes(clients))
  // the links alternate between the two upstreams: half the sessions on each node, one WebSocket each
  t.equal(await until('connections on both nodes', async () => (await nodeConnections(a)) + (await nodeConnections(b)), (n) => n === N), N, 'the nodes serve every session')
  t.equal(await until('TCP connections to the node', () => connectionsTo(a.httpPort), (n) => n === 1), 1, 'one TCP connection from the sidecar to node A carries its sessions')
  t.equal(await until('TCP connections to the node', () => connectionsTo(b.httpPort), (n) => n === 1), 1, 'one TCP connection from the sidecar to node B carries its sessions')

  // each client sets its znode with the expected version, so a write applied twice shows as BADVERSION
  const OPS = 40
  let done = 0
  const errors: string[] = []
  let killed: Promise<void> | undefined
  const loads = clients.map(async (c, i) => {
    for (let v = 0; v < OPS; v++) {
      const data = Buffer.from(String(v + 1))
      const r = await c.request({ type: OpCode.setData, path: `/mux-${i}`, data, dataLength: data.length, version: v })
      if (r.err !== 0) errors.push(`client ${i} set #${v + 1}: err ${r.err}`)
      else if (r.body?.stat?.version !== v + 1) errors.push(`client ${i} set #${v + 1}: version ${String(r.body?.stat?.version)}`)
      // node A dies a third of the way through, with requests in flight on its WebSocket
      if (++done === Math.floor(N * OPS / 3)) killed = a.kill9()
    }
  })
  await Promise.all(loads)
  await killed
  t.same(errors, [], 'every write applied exactly once, in order (no BADVERSION, no error)')
  t.same(ended, [], 'no client saw its connection close')
  for (const [i, c] of clients.entries()) {
    const got = await c.request({ type: OpCode.getData, path: `/mux-${i}`, watch: false })
    t.equal(got.body?.data?.toString(), String(OPS), `client ${i} reads its last write`)
    t.equal(got.body?.stat?.version, OPS, `client ${i}: version ${OPS}`)
  }
  const kids = await clients[0].request({ type: OpCode.getChildren, path: '/', watch: false })
  const ephemerals = (kids.body?.children ?? []).filter((p: string) => p.startsWith('mux-e-'))
  t.equal(ephemerals.length, N, 'every session lives on (its ephemeral is there)')
  t.equal(await until('sessions on node B', () => nodeConnections(b), (n) => n === N), N, 'node B serves every session now')
  t.equal(await until('TCP connections to the node', () => connectionsTo(b.httpPort), (n) => n === 1), 1, 'still one TCP connection from the sidecar to node B')
})

