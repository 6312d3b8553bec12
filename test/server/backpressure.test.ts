import t from 'tap'
import { Err, OpCode } from '../../src/engine/codes'
import { FrameDecoder, encodeConnectRequest, encodeRequest } from '../../src/protocol'
import { readFileSync } from 'node:fs'
import { HIGH_WATER } from '../../src/server/connection'
import { fourLetterWord } from '../support/fourlw'
import { startHarness } from './harness'

// A client that stops reading: once its unsent replies pass the high-water
// mark the server stops taking its requests (cons shows interest ops 0),
// even in the middle of a chunk already read, and resumes when the client
// catches up. Nothing is lost.

t.setTimeout(60_000)

t.test('reading pauses while a client does not read its replies', async (t) => {
  const h = await startHarness()
  t.teardown(() => h.stop())
  const setup = await h.connect()
  const big = Buffer.alloc(512 * 1024, 7)
  const made = await setup.request({ type: OpCode.create, path: '/big', data: big, dataLength: big.length, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
  t.equal(made.err, Err.OK)

  const raw = await h.rawSocket()
  const port = raw.socket.localPort
  raw.socket.pause() // do not read anything yet
  const N = 120 // 60 MiB of replies: far past any socket buffer
  const frames: Buffer[] = [encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 20000, lastZxidSeen: 0 }, true)]
  for (let i = 1; i <= N; i++) frames.push(encodeRequest(undefined, i, { type: OpCode.getData, path: '/big', watch: false }))
  raw.socket.write(Buffer.concat(frames))

  // wait until the server shows the connection paused
  let line: string | undefined
  for (let i = 0; i < 100 && line === undefined; i++) {
    const cons = await fourLetterWord('127.0.0.1', h.port, 'cons')
    line = cons.split('\n').find((l) => l.startsWith(` /127.0.0.1:${port}[0]`))
    if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(line !== undefined, 'cons shows the connection with interest ops 0 (not reading)')

  // more requests now stay in the socket. The server may still take a few
  // as the kernel's buffers absorb replies, but no more than those buffers
  // plus its 1 MiB mark can hold (it checks after every request, not every
  // chunk): counted, not timed.
  const MORE = 10
  const extra: Buffer[] = []
  for (let i = N + 1; i <= N + MORE; i++) extra.push(encodeRequest(undefined, i, { type: OpCode.getData, path: '/big', watch: false }))
  raw.socket.write(Buffer.concat(extra))
  let still: string | undefined
  for (let i = 0; i < 100 && still === undefined; i++) {
    still = (await fourLetterWord('127.0.0.1', h.port, 'cons')).split('\n').find((l) => l.startsWith(` /127.0.0.1:${port}[0]`))
    if (still === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const replyBytes = 4 + 16 + 4 + big.length + 4 + 80 // frame length, header, data, stat
  const max = (f: string): number => Number(readFileSync(f, 'utf8').trim().split(/\s+/)[2])
  const bound = Math.ceil((max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem') + HIGH_WATER) / replyBytes) + 2
  const recved = Number(/recved=(\d+)/.exec(still ?? '')?.[1])
  t.ok(recved - 1 <= bound && bound < N, `the server took ${recved - 1} of ${N + MORE} requests while the client read nothing (bound ${bound})`)

  // now read everything: every reply arrives, in order
  const decoder = new FrameDecoder({ maxBuffer: 1024 * 1024 })
  let count = 0
  const xids: number[] = []
  await new Promise<void>((resolve, reject) => {
    raw.socket.on('data', (chunk: Buffer) => decoder.push(chunk, (f) => {
      if (count++ > 0) xids.push(f.readInt32BE(0))
      if (count === N + MORE + 1) resolve()
    }))
    raw.socket.once('close', () => reject(new Error(`closed after ${count} frames`)))
    raw.socket.resume()
  })
  t.same(xids, Array.from({ length: N + MORE }, (_, i) => i + 1), 'all replies, in order, including those read after resuming')
})
