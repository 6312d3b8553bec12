// Many ZooKeeper connections over one WebSocket per sidecar–node pair
// (docs/protocol.md, "Many connections over one WebSocket"), with real
// processes: Redis, nodes and a sidecar, and ZooKeeper clients on its port.
// (A node killed under load: mux-failover.test.ts.)
// - one channel ends (closeSession, the session moving to another
//   connection) while the others on the same WebSocket go on;
// - a node without the mux route (--mux false) is served one WebSocket per
//   connection;
// - a malformed mux message closes that WebSocket with a clear reason, and
//   the node goes on serving.

import t, { type Test } from 'tap'
import { ZkClient } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import { encodeConnect, encodeRequestMessage } from '../../src/node/messages'
import { encodeConnectRequest, encodeRequest } from '../../src/protocol'
import { OPEN_ACL } from '../node/ws-client'
import { httpGet } from '../support/launch'
import { startNode, startRedis, startSidecar, type NodeHandle } from '../support/topology'
import { closes, connectAll, connectionsTo, PERSISTENT, until } from './mux-helpers'

/** Redis, one node, a sidecar with one mux socket to it, and 4 clients on that socket. */
async function oneSocketRig (t: Test): Promise<{ node: NodeHandle, sidecar: Awaited<ReturnType<typeof startSidecar>>, clients: ZkClient[] }> {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode(redis.url)
  t.teardown(() => node.stop())
  const sidecar = await startSidecar([node.url], { args: ['--upstream-mux-sockets', '1'] })
  t.teardown(() => sidecar.stop())
  const clients = await connectAll(sidecar.address, 4)
  t.teardown(() => { for (const c of clients) if (!c.closed) c.destroy() })
  return { node, sidecar, clients }
}

t.test('one channel ends (closeSession, session moved) while the others on the same WebSocket go on', async (t) => {
  const { node, sidecar, clients } = await oneSocketRig(t)
  const ended = closes(clients)
  t.equal(await until('TCP connections to the node', () => connectionsTo(node.httpPort), (n) => n === 1), 1, 'one WebSocket carries the four connections')

  const ping = async (i: number): Promise<void> => {
    const r = await clients[i].request({ type: OpCode.exists, path: '/', watch: false })
    t.equal(r.err, 0, `client ${i} is served`)
  }

  await clients[0].close()
  for (const i of [1, 2, 3]) await ping(i)
  // the server ends the connection after closeSession, or the client does: either way only client 0's
  await until('client 0 closed', () => clients[0].closed, (v) => v)
  t.same(ended.map((e) => e.split(':')[0]), ['client 0'], 'only the client that closed its session lost its connection')

  // another connection takes client 1's session: client 1's channel ends ("session moved")
  const thief = await ZkClient.connect(sidecar.address, { timeout: 20_000, sessionId: clients[1].sessionIdBig, passwd: clients[1].passwd })
  t.teardown(() => { if (!thief.closed) thief.destroy() })
  await until('client 1 closed', () => clients[1].closed, (v) => v)
  for (const i of [2, 3]) await ping(i)
  const r = await thief.request({ type: OpCode.exists, path: '/', watch: false })
  t.equal(r.err, 0, 'the connection the session moved to is served')
  t.equal(ended.length, 2, 'and no other client lost its connection')
  t.equal(await until('TCP connections to the node', () => connectionsTo(node.httpPort), (n) => n === 1), 1, 'still one WebSocket')
})

t.test('a node without the mux route (--mux false) is served one WebSocket per connection', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode(redis.url, { args: ['--mux', 'false'] })
  t.teardown(() => node.stop())
  const answer = await httpGet(node.httpPort, '/v1/zk/mux', 5000)
  t.equal(answer?.status, 404, 'the node has no /v1/zk/mux')
  const sidecar = await startSidecar([node.url])
  t.teardown(() => sidecar.stop())
  const clients = await connectAll(sidecar.address, 3)
  t.teardown(() => { for (const c of clients) if (!c.closed) c.destroy() })
  for (const [i, c] of clients.entries()) {
    const r = await c.request({ type: OpCode.create, path: `/old-${i}`, data: Buffer.from('x'), dataLength: 1, acl: OPEN_ACL, flags: PERSISTENT })
    t.equal(r.err, 0, `client ${i} is served`)
  }
  t.equal(await until('per-connection WebSockets', () => connectionsTo(node.httpPort), (n) => n === 3), 3, 'one WebSocket per client connection')
})

// ---- a raw mux client, for malformed messages ----

interface RawWs {
  on(event: 'open', fn: () => void): void
  on(event: 'message', fn: (data: Buffer) => void): void
  on(event: 'close', fn: (code: number, reason: Buffer) => void): void
  on(event: 'error', fn: (err: Error) => void): void
  send(data: Buffer | string): void
  terminate(): void
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require('ws') as new (url: string) => RawWs

interface Raw {
  ws: RawWs
  messages: Buffer[]
  closed: Promise<{ code: number, reason: string }>
}

async function rawMux (node: NodeHandle): Promise<Raw> {
  const ws = new WebSocket(`ws://127.0.0.1:${node.httpPort}/v1/zk/mux`)
  const messages: Buffer[] = []
  ws.on('message', (d) => messages.push(d))
  const closed = new Promise<{ code: number, reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise<void>((resolve, reject) => {
    ws.on('open', resolve)
    ws.on('error', reject)
  })
  return { ws, messages, closed }
}

function onChannel (channel: number, msg: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(channel)
  return Buffer.concat([head, msg])
}

t.test('a malformed mux message closes that WebSocket with a clear reason; the node goes on', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode(redis.url)
  t.teardown(() => node.stop())

  const short = await rawMux(node)
  t.teardown(() => short.ws.terminate())
  short.ws.send(Buffer.of(0, 0, 1))
  const c1 = await short.closed
  t.equal(c1.code, 1002, 'a message shorter than the header: protocol error')
  t.match(c1.reason, /shorter than its header/, c1.reason)

  const unknown = await rawMux(node)
  t.teardown(() => unknown.ws.terminate())
  unknown.ws.send(onChannel(7, encodeRequestMessage(0, encodeRequest(undefined, -2, { type: OpCode.ping }))))
  const c2 = await unknown.closed
  t.equal(c2.code, 1002, 'a REQUEST on a channel never opened: protocol error')
  t.match(c2.reason, /channel 7, which was never opened/, c2.reason)

  const text = await rawMux(node)
  t.teardown(() => text.ws.terminate())
  text.ws.send('hello')
  t.equal((await text.closed).code, 1003, 'a text message: unsupported data')

  // a well-formed channel on a fresh socket is served, and ends on its own
  const good = await rawMux(node)
  t.teardown(() => good.ws.terminate())
  const connect = encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 10_000, sessionId: 0, passwd: Buffer.alloc(16) }, true)
  good.ws.send(onChannel(3, encodeConnect(connect)))
  await until('CONNECTED on channel 3', () => good.messages.length, (n) => n >= 1)
  t.equal(good.messages[0].readUInt32BE(0), 3, 'the answer names channel 3')
  t.equal(good.messages[0][4], 0x81, 'CONNECTED')
  good.ws.send(onChannel(3, encodeRequestMessage(0, encodeRequest(undefined, 1, { type: OpCode.closeSession }))))
  const ended = await until('ENDED on channel 3', () => good.messages.find((m) => m.readUInt32BE(0) === 3 && m[4] === 0x87), (m) => m !== undefined)
  t.equal(ended?.readUInt16BE(5), 1000, 'the channel ends normally after closeSession')
  // a late message for the ended channel is ignored, not a violation
  good.ws.send(onChannel(3, encodeRequestMessage(0, encodeRequest(undefined, 2, { type: OpCode.ping }))))
  good.ws.send(onChannel(4, encodeConnect(connect)))
  await until('CONNECTED on channel 4', () => good.messages.some((m) => m.readUInt32BE(0) === 4 && m[4] === 0x81), (v) => v)
  t.pass('the socket carries a new channel after one ended')
  const health = await httpGet(node.httpPort, '/healthz', 5000)
  t.equal(health?.status, 200, 'the node still serves')
})

t.test('replies past the shared socket\'s high-water mark pause and resume it: every channel gets all of them', async (t) => {
  const { node, clients } = await oneSocketRig(t)
  const data = Buffer.alloc(512 * 1024, 7)
  const made = await clients[0].request({ type: OpCode.create, path: '/big', data, dataLength: data.length, acl: OPEN_ACL, flags: PERSISTENT })
  t.equal(made.err, 0, 'a 512 KiB znode')
  // 4 clients × 8 pipelined reads: 16 MiB of replies queued for one WebSocket at once
  const reads = clients.flatMap((c) => Array.from({ length: 8 }, () => c.request({ type: OpCode.getData, path: '/big', watch: false })))
  const replies = await Promise.all(reads)
  t.equal(replies.filter((r) => r.err === 0 && r.body?.data !== undefined && r.body.data !== null && Buffer.from(r.body.data).equals(data)).length, 32, 'all 32 replies arrive whole')
  for (const [i, c] of clients.entries()) {
    const r = await c.request({ type: OpCode.exists, path: '/big', watch: false })
    t.equal(r.err, 0, `client ${i} is served afterwards`)
  }
  t.equal(await until('TCP connections to the node', () => connectionsTo(node.httpPort), (n) => n === 1), 1, 'over one WebSocket')
})
