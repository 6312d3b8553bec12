import t from 'tap'
import { Err, OpCode } from '../../src/engine/codes'
import { FrameDecoder, encodeConnectRequest, encodeRequest } from '../../src/protocol'
import { fourLetterWord } from '../support/fourlw'
import { startHarness } from './harness'

// A client that stops reading: once its unsent replies pass the high-water
// mark the server stops reading its requests (cons shows interest ops 0),
// and resumes when the client catches up. Nothing is lost.

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
  const recvedWhenPaused = /recved=(\d+)/.exec(line ?? '')?.[1]

  // more requests now stay in the socket: the server is not reading
  const MORE = 10
  const extra: Buffer[] = []
  for (let i = N + 1; i <= N + MORE; i++) extra.push(encodeRequest(undefined, i, { type: OpCode.getData, path: '/big', watch: false }))
  raw.socket.write(Buffer.concat(extra))
  await new Promise((resolve) => setTimeout(resolve, 500))
  const still = (await fourLetterWord('127.0.0.1', h.port, 'cons')).split('\n').find((l) => l.startsWith(` /127.0.0.1:${port}[`))
  t.equal(/recved=(\d+)/.exec(still ?? '')?.[1], recvedWhenPaused, 'no request was read while paused')

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
