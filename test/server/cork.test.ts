import { createServer, connect, type Socket } from 'node:net'
import t from 'tap'
import { holdUntilTurnEnd } from '../../src/server/cork'

// holdUntilTurnEnd (src/server/cork.ts) over real loopback TCP: a turn's
// writes are held (corked once per socket, however many writes) and leave,
// in order and complete, once the turn is over; a socket destroyed meanwhile
// is left alone.

async function pair (): Promise<{ client: Socket, received: () => Buffer, close: () => void }> {
  const chunks: Buffer[] = []
  let peer: Socket | undefined
  const server = createServer((s) => {
    peer = s
    s.on('data', (c: Buffer) => chunks.push(c))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const client = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => client.once('connect', resolve))
  while (peer === undefined) await new Promise((resolve) => setImmediate(resolve))
  return {
    client,
    received: () => Buffer.concat(chunks),
    close: () => { client.destroy(); peer?.destroy(); server.close() }
  }
}

const turnOver = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)))

t.test('writes of one turn are held, then leave in order', async (t) => {
  const p = await pair()
  t.teardown(p.close)
  const expected: Buffer[] = []
  for (let i = 0; i < 50; i++) {
    holdUntilTurnEnd(p.client)
    const b = Buffer.from(`message ${i};`)
    expected.push(b)
    p.client.write(b)
  }
  t.equal(p.client.writableCorked, 1, 'corked once for the whole turn')
  t.equal(p.client.writableLength, Buffer.concat(expected).length, 'nothing written yet')
  await turnOver()
  t.equal(p.client.writableCorked, 0, 'uncorked after the turn')
  const want = Buffer.concat(expected)
  for (let i = 0; i < 100 && p.received().length < want.length; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(p.received(), want, 'every byte, in order')
})

t.test('each turn corks again; a socket destroyed in the turn is not touched', async (t) => {
  const a = await pair()
  const b = await pair()
  t.teardown(() => { a.close(); b.close() })
  holdUntilTurnEnd(a.client)
  holdUntilTurnEnd(b.client)
  a.client.write('first')
  t.equal(a.client.writableCorked, 1)
  t.equal(b.client.writableCorked, 1)
  b.client.destroy()
  await turnOver()
  t.equal(a.client.writableCorked, 0)
  holdUntilTurnEnd(a.client)
  a.client.write(' second')
  t.equal(a.client.writableCorked, 1, 'corked again in the next turn')
  await turnOver()
  for (let i = 0; i < 100 && a.received().length < 12; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(a.received().toString(), 'first second')
})
