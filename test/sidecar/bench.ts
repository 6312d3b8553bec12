// What the sidecar hop costs. One redis-server, one `redkeeper node`, one
// `redkeeper sidecar` (all real processes); this process is the client.
// The same getData request is sent, with its reply awaited, either straight
// to the node over the WebSocket API (what the sidecar itself does) or over
// ZooKeeper TCP through the sidecar. Both paths use pre-encoded frames and
// read only the reply header, so the difference is the hop: one loopback TCP
// leg plus the sidecar's work. Also: pipelined throughput (16 in flight) and
// the sidecar's CPU time per request (from /proc).
//
//   npm run build && node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs test/sidecar/bench.ts [N]

import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { ZkClient } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import { FrameDecoder, encodeConnectRequest, encodeRequest } from '../../src/protocol'
import { startNode, startRedis, startSidecar } from '../support/topology'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require('ws') as new (url: string, opts: { perMessageDeflate: boolean }) => {
  on(event: 'open', fn: () => void): void
  on(event: 'message', fn: (data: Buffer) => void): void
  send(data: Buffer): void
  close(): void
}

const N = Number(process.argv[2] ?? 20000)
const WINDOW = 16
const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** A request/reply channel: send one frame body, get the reply's xid back. */
interface Channel {
  send(xid: number): void
  onReply: (xid: number) => void
  close(): void
}

function getDataBody (xid: number): Buffer {
  // encodeRequest gives a frame; the WebSocket API wants the body.
  return encodeRequest(undefined, xid, { type: OpCode.getData, path: '/bench', watch: false }).subarray(4)
}

function connectBody (): Buffer {
  return encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30000, sessionId: 0, passwd: Buffer.alloc(16) }, true).subarray(4)
}

async function direct (url: string): Promise<Channel> {
  const ws = new WebSocket(`${url}/v1/zk`, { perMessageDeflate: false })
  await new Promise<void>((resolve) => ws.on('open', resolve))
  const ch: Channel = {
    send: (xid) => {
      const body = getDataBody(xid)
      const msg = Buffer.allocUnsafe(9 + body.length)
      msg[0] = 0x03
      msg.fill(0, 1, 9)
      body.copy(msg, 9)
      ws.send(msg)
    },
    onReply: () => {},
    close: () => ws.close()
  }
  let connected!: () => void
  const ready = new Promise<void>((resolve) => { connected = resolve })
  ws.on('message', (data) => {
    if (data[0] === 0x81) connected()
    else if (data[0] === 0x83) ch.onReply(data.readInt32BE(5))
  })
  ws.send(Buffer.concat([Buffer.from([0x01]), connectBody()]))
  await ready
  return ch
}

async function viaSidecar (port: number): Promise<Channel> {
  const sock: Socket = connect({ host: '127.0.0.1', port })
  sock.setNoDelay(true)
  await new Promise<void>((resolve) => sock.on('connect', resolve))
  const decoder = new FrameDecoder({ maxBuffer: 16 << 20 })
  let handshaken = false
  let connected!: () => void
  const ready = new Promise<void>((resolve) => { connected = resolve })
  const ch: Channel = {
    send: (xid) => sock.write(encodeRequest(undefined, xid, { type: OpCode.getData, path: '/bench', watch: false })),
    onReply: () => {},
    close: () => sock.destroy()
  }
  sock.on('data', (chunk: Buffer) => decoder.push(chunk, (frame) => {
    if (!handshaken) {
      handshaken = true
      connected()
      return
    }
    ch.onReply(frame.readInt32BE(0))
  }))
  sock.write(encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30000, sessionId: 0, passwd: Buffer.alloc(16) }, true))
  await ready
  return ch
}

/** Sequential round trips: latency percentiles in ms. */
async function latency (ch: Channel, n: number): Promise<number[]> {
  const out: number[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await new Promise<void>((resolve) => {
      ch.onReply = () => resolve()
      ch.send(i + 1)
    })
    out[i] = Number(process.hrtime.bigint() - t0) / 1e6
  }
  return out.sort((a, b) => a - b)
}

/** `window` requests in flight at all times: requests per second. */
async function throughput (ch: Channel, n: number, window: number): Promise<number> {
  const t0 = process.hrtime.bigint()
  let sent = 0
  let got = 0
  await new Promise<void>((resolve) => {
    ch.onReply = () => {
      got++
      if (got === n) resolve()
      else if (sent < n) ch.send(++sent)
    }
    while (sent < Math.min(window, n)) ch.send(++sent)
  })
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

function cpuMs (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = f.substring(f.lastIndexOf(')') + 2).split(' ')
  // utime, stime: fields 14 and 15 of the file, in clock ticks (100/s)
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const fmt = (x: number): string => x.toFixed(3)

async function main (): Promise<void> {
  const redis = await startRedis()
  const node = await startNode(redis.url)
  const sidecar = await startSidecar([node.url])
  try {
    // the znode read by every request
    const setup = await ZkClient.connect(sidecar.address)
    await setup.request({ type: OpCode.create, path: '/bench', data: Buffer.alloc(16, 1), dataLength: 16, acl: OPEN_ACL, flags: 0 })
    await setup.close()

    const d = await direct(node.url)
    const s = await viaSidecar(sidecar.port)
    await latency(d, 2000) // warm-up (JIT, connections)
    await latency(s, 2000)

    const rows: Array<[string, number[]]> = []
    const dl = await latency(d, N)
    const c0 = cpuMs(sidecar.pid)
    const sl = await latency(s, N)
    const cpuSeq = cpuMs(sidecar.pid) - c0
    rows.push(['direct to node (WebSocket)', dl], ['through the sidecar (TCP)', sl])
    const dt = await throughput(d, N, WINDOW)
    const c1 = cpuMs(sidecar.pid)
    const st = await throughput(s, N, WINDOW)
    const cpuPipe = cpuMs(sidecar.pid) - c1

    console.log(`getData of a 16-byte znode, N = ${N} per row`)
    console.log('| path | p50 ms | p90 ms | p99 ms | mean ms | pipelined (16 in flight) ops/s |')
    console.log('|---|---|---|---|---|---|')
    for (const [name, xs] of rows) {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length
      console.log(`| ${name} | ${fmt(pct(xs, 0.5))} | ${fmt(pct(xs, 0.9))} | ${fmt(pct(xs, 0.99))} | ${fmt(mean)} | ${Math.round(name.startsWith('direct') ? dt : st)} |`)
    }
    console.log(`added by the hop: p50 ${fmt(pct(sl, 0.5) - pct(dl, 0.5))} ms, p99 ${fmt(pct(sl, 0.99) - pct(dl, 0.99))} ms`)
    console.log(`sidecar CPU: ${(cpuSeq * 1000 / N).toFixed(1)} µs/request sequential, ${(cpuPipe * 1000 / N).toFixed(1)} µs/request pipelined`)
    d.close()
    s.close()
  } finally {
    await sidecar.stop()
    await node.stop()
    await redis.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
