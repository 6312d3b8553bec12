import t, { type Test } from 'tap'
import { NodeZk } from '../support/nodezk'
import { targets, type Server } from '../support/targets'
import { JuteWriter, OP, RawConn, createBody, frame, pathWatchBody, requestFrame } from '../support/wire'

// Abusive and broken clients, over raw sockets. Each abuse must cost the
// abuser its connection and nothing else: a well-behaved client connected
// the whole time keeps being served, and no data is damaged.

const MAX_BUFFER = 0xfffff // jute.maxbuffer's default, in both servers
const UNIMPLEMENTED = -6
const MARSHALLING_ERROR = -5
const P = '/bad-input'

function lengthOnly (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

for (const target of targets()) {
  t.test(target.name, async (t) => {
    const server: Server = await target.start()
    t.teardown(() => server.stop())
    const good = await NodeZk.connect(server.address)
    t.teardown(() => good.close())
    await good.create(P, Buffer.from('root'))
    const written = new Map<string, string>()

    // The well-behaved client writes and reads back after every abuse.
    async function stillServed (t: Test, label: string): Promise<void> {
      const path = `${P}/ok-${written.size}`
      const value = `after ${label}`
      t.equal(await good.create(path, Buffer.from(value)), path, `${label}: the good client can still create`)
      t.equal((await good.getData(path)).data?.toString(), value, `${label}: and read back`)
      written.set(path, value)
    }

    async function open (t: Test): Promise<RawConn> {
      const c = await RawConn.open(server.host, server.port)
      t.teardown(() => c.destroy())
      return c
    }

    async function openSession (t: Test): Promise<RawConn> {
      const c = await open(t)
      const s = await c.handshake()
      t.not(s.sessionId, 0n, 'the handshake gave a session')
      return c
    }

    t.test('frame length over jute.maxbuffer before the handshake', async (t) => {
      const c = await open(t)
      await c.write(lengthOnly(4 * 1024 * 1024))
      t.ok(await c.closedWithin(10_000), 'connection closed')
      t.equal(await c.nextFrame(), null, 'no reply')
      await stillServed(t, 'oversized connect')
    })

    t.test('frame length over jute.maxbuffer after the handshake', async (t) => {
      const c = await openSession(t)
      await c.write(Buffer.concat([lengthOnly(MAX_BUFFER + 1024 * 1024), Buffer.alloc(1024, 0x41)]))
      t.ok(await c.closedWithin(10_000), 'connection closed')
      await stillServed(t, 'oversized request')
    })

    t.test('negative frame length', async (t) => {
      const c = await openSession(t)
      await c.write(lengthOnly(-5))
      t.ok(await c.closedWithin(10_000), 'connection closed')
      await stillServed(t, 'negative length')
    })

    t.test('a truncated frame, then the client closes', async (t) => {
      const before = await open(t)
      await before.write(connectRequest45())
      before.socket.end()
      t.ok(await before.closedWithin(10_000), 'truncated connect: closed')

      const c = await openSession(t)
      const full = requestFrame(1, OP.create, createBody(`${P}/truncated`, Buffer.from('never')))
      await c.write(full.subarray(0, full.length - 7))
      c.socket.end()
      t.ok(await c.closedWithin(10_000), 'truncated request: closed')
      await stillServed(t, 'truncated frames')
      t.equal(await good.exists(`${P}/truncated`), null, 'the truncated create was not applied')
    })

    t.test('garbage bytes', async (t) => {
      const http = await open(t)
      await http.write(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
      t.ok(await http.closedWithin(10_000), 'an HTTP request: closed')
      t.equal(await http.nextFrame(), null, 'with no reply')

      const junkConnect = await open(t)
      await junkConnect.write(frame(Buffer.alloc(8, 0xff)))
      t.ok(await junkConnect.closedWithin(10_000), 'a frame of junk as the connect request: closed')

      const c = await openSession(t)
      // A "request" too short to hold even a request header.
      await c.write(frame(Buffer.from([1, 2, 3])))
      t.ok(await c.closedWithin(10_000), 'a frame too short for a request header: closed')
      await stillServed(t, 'garbage')
    })

    t.test('an unknown opcode after a valid handshake', async (t) => {
      const c = await openSession(t)
      const reply = await c.request(77, 999, pathWatchBody('/'))
      t.ok(reply !== null, 'got a reply before any close')
      t.equal(reply?.xid, 77, 'for that xid')
      t.equal(reply?.err, UNIMPLEMENTED, 'err -6 (UNIMPLEMENTED)')
      t.ok(await c.closedWithin(10_000), 'then the connection is closed')
      await stillServed(t, 'unknown opcode')
    })

    t.test('a request before the handshake', async (t) => {
      const c = await open(t)
      await c.write(requestFrame(1, OP.getData, pathWatchBody(P)))
      t.ok(await c.closedWithin(10_000), 'connection closed')
      await stillServed(t, 'request before handshake')
    })

    t.test('a request whose body is cut short inside a whole frame', async (t) => {
      const c = await openSession(t)
      // The path claims 1000 bytes; the frame holds 5.
      const body = new JuteWriter().int(1000).raw(Buffer.from('/oops')).bytes()
      await c.write(requestFrame(5, OP.create, body))
      const f = await c.nextFrame(10_000)
      t.ok(f !== null, 'a reply, not a silent close')
      t.equal(f?.readInt32BE(0), 5, 'for that xid')
      t.equal(f?.readInt32BE(12), MARSHALLING_ERROR, 'err -5 (MARSHALLINGERROR)')
      // The frame boundary was intact, so the connection stays in sync and usable.
      const next = await c.request(6, OP.exists, pathWatchBody(P))
      t.equal(next?.xid, 6, 'the same connection answers the next request')
      t.equal(next?.err, 0)
      await stillServed(t, 'short body')
      t.same((await good.getChildren('/')).children.sort(), ['bad-input', 'zookeeper'], 'nothing stray was created')
    })

    t.test('every acknowledged write is intact', async (t) => {
      t.equal((await good.getData(P)).data?.toString(), 'root')
      const { children } = await good.getChildren(P)
      t.same(children.sort(), [...written.keys()].map((p) => p.slice(P.length + 1)).sort())
      for (const [path, value] of written) t.equal((await good.getData(path)).data?.toString(), value, path)
    })
  })
}

/** A connect request whose frame promises 45 bytes and delivers 10. */
function connectRequest45 (): Buffer {
  return Buffer.concat([lengthOnly(45), Buffer.alloc(10)])
}
