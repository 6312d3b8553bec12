// A pipelined flood of heavy reads is bounded: a client that writes
// hundreds of getChildren of a big parent in one go and reads nothing must
// not make the server build every reply. The server takes requests only
// while less than 1 MiB of this client's replies is unsent, checked after
// each request (not after each chunk read), so the number of requests it
// takes is bounded by what the kernel's socket buffers can absorb plus that
// mark, whatever the client sent. Counted with `cons` (recved, interest
// ops), not timed. Everything is answered, in order, once the client reads.

import t from 'tap'
import { readFileSync } from 'node:fs'
import { Err, OpCode } from '../../src/engine/codes'
import { FrameDecoder, encodeConnectRequest, encodeRequest } from '../../src/protocol'
import { HIGH_WATER } from '../../src/server/connection'
import { fourLetterWord } from '../support/fourlw'
import { sleep } from '../support/proc'
import { startHarness } from './harness'

const CHILDREN = 20_000
const NAME = 'child-with-a-rather-long-name-to-make-replies-big-'
const REQUESTS = 200
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** The most bytes loopback TCP can hold between a writer and a reader that does not read (send + receive buffer maxima). */
function kernelBufferBytes (): number {
  const max = (f: string): number => Number(readFileSync(f, 'utf8').trim().split(/\s+/)[2])
  return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem')
}

/** This connection's `cons` line once it shows interest ops 0 (the server stopped reading it). */
async function pausedLine (port: number, localPort: number): Promise<string> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const line = (await fourLetterWord('127.0.0.1', port, 'cons', 10_000)).split('\n').find((l) => l.startsWith(` /127.0.0.1:${localPort}[0]`))
    if (line !== undefined) return line
    if (Date.now() > deadline) throw new Error('the server never stopped reading the flooding connection')
    await sleep(100)
  }
}

t.test('getChildren of a 20k-child parent, pipelined 200 times unread: the server takes a bounded number of them', async (t) => {
  const h = await startHarness()
  t.teardown(() => h.stop())
  const setup = await h.connect({ timeout: 30_000, maxBuffer: 64 * 1024 * 1024 })
  t.equal((await setup.request({ type: OpCode.create, path: '/big', data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 })).err, Err.OK)
  let next = 0
  await Promise.all(Array.from({ length: 200 }, async () => {
    while (next < CHILDREN) {
      const i = next++
      const r = await setup.request({ type: OpCode.create, path: `/big/${NAME}${i}`, data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 })
      if (r.err !== Err.OK) throw new Error(`create ${i}: ${r.err}`)
    }
  }))
  const one = await setup.request({ type: OpCode.getChildren, path: '/big', watch: false })
  t.equal(one.err, Err.OK)
  // one reply: header (16) + vector length (4) + a length-prefixed name per child
  const replyBytes = 4 + 16 + 4 + CHILDREN * 4 + (one.body as { children: string[] }).children.reduce((n, c) => n + Buffer.byteLength(c), 0)
  const bound = Math.ceil((kernelBufferBytes() + HIGH_WATER) / replyBytes) + 2
  t.ok(bound < REQUESTS / 2, `the bound (${bound} requests of ${replyBytes} bytes) is far below what is sent (${REQUESTS})`)

  const raw = await h.rawSocket()
  const localPort = raw.socket.localPort as number
  raw.socket.pause() // read nothing
  const frames: Buffer[] = [encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 30_000, lastZxidSeen: 0 }, true)]
  for (let i = 1; i <= REQUESTS; i++) frames.push(encodeRequest(undefined, i, { type: OpCode.getChildren, path: '/big', watch: false }))
  raw.socket.write(Buffer.concat(frames)) // one write: a few chunks on the server's side

  const line = await pausedLine(h.port, localPort)
  const recved = Number(/recved=(\d+)/.exec(line)?.[1])
  t.ok(recved >= 2 && recved <= bound + 1, `while the client reads nothing the server took ${recved - 1} of ${REQUESTS} requests (bound ${bound}): ${line}`)

  // another client is served meanwhile
  t.equal((await setup.request({ type: OpCode.exists, path: '/big', watch: false })).err, Err.OK, 'another client is served while the flood waits')

  // the client reads: every reply arrives, whole and in order
  const decoder = new FrameDecoder({ maxBuffer: 64 * 1024 * 1024 })
  const xids: number[] = []
  let wrongSize = 0
  let frameNo = 0
  await new Promise<void>((resolve, reject) => {
    raw.socket.on('data', (chunk: Buffer) => decoder.push(chunk, (f) => {
      if (frameNo++ === 0) return // the ConnectResponse
      xids.push(f.readInt32BE(0))
      if (f.readInt32BE(12) !== Err.OK || f.length + 4 !== replyBytes) wrongSize++
      if (xids.length === REQUESTS) resolve()
    }))
    raw.socket.once('close', () => reject(new Error(`closed after ${xids.length} replies`)))
    raw.socket.resume()
  })
  t.same(xids, Array.from({ length: REQUESTS }, (_, i) => i + 1), 'all replies, in order')
  t.equal(wrongSize, 0, 'each one the full list of children')
  const after = (await fourLetterWord('127.0.0.1', h.port, 'cons', 10_000)).split('\n').find((l) => l.startsWith(` /127.0.0.1:${localPort}[`))
  t.match(after, /queued=0,recved=201,/, 'cons: nothing left queued, every request received')
})
