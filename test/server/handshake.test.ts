import t from 'tap'
import { connect } from 'node:net'
import { OpCode, Err } from '../../src/engine/codes'
import { ConnectError, SessionExpiredError, ZkClient } from '../../src/client'
import {
  FrameDecoder, JuteReader, decodeConnectResponse, decodeReplyBody, decodeReplyHeader, encodeConnectRequest, encodeRequest
} from '../../src/protocol'
import { startHarness, whenClosed } from './harness'

// The session handshake, against the real embedded server: new sessions,
// resumption, refusals, timeout negotiation, and one connection per session.

t.test('handshake', async (t) => {
  // tick 1000: negotiated timeouts are clamped into [2000, 20000]
  const h = await startHarness({ tickMs: 1000 })
  t.teardown(() => h.stop())

  t.test('a new session gets a fresh id below 2^53, a 16-byte password and the requested timeout', async (t) => {
    const a = await h.connect({ timeout: 5000 })
    const b = await h.connect({ timeout: 5000 })
    t.ok(a.sessionId > 0 && a.sessionId <= Number.MAX_SAFE_INTEGER, `session id 0x${a.sessionId.toString(16)} is a positive safe integer`)
    t.not(a.sessionId, b.sessionId, 'two sessions never share an id')
    t.equal(a.passwd.length, 16)
    t.notSame(a.passwd, Buffer.alloc(16), 'password is not all zeroes')
    t.equal(a.negotiatedTimeout, 5000)
    t.equal(a.serverSentReadOnly, true, 'the readOnly byte is echoed to a client that sent one')
    t.equal(a.serverReadOnly, false)
  })

  t.test('timeouts are clamped into [2 × tick, 20 × tick]', async (t) => {
    const low = await h.connect({ timeout: 1 })
    const high = await h.connect({ timeout: 10_000_000 })
    t.equal(low.negotiatedTimeout, 2000)
    t.equal(high.negotiatedTimeout, 20000)
  })

  t.test('ping is answered with xid -2 and the current zxid', async (t) => {
    const c = await h.connect()
    const created = await c.request({ type: OpCode.create, path: '/ping-zxid', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
    t.equal(created.err, Err.OK)
    const pong = await c.ping()
    t.equal(pong.xid, -2)
    t.equal(pong.err, 0)
    t.equal(pong.zxid, created.zxid, 'ping carries the last zxid')
  })

  t.test('resuming with the right password keeps the session, its ephemerals and its timeout', async (t) => {
    const a = await h.connect({ timeout: 6000 })
    const made = await a.request({ type: OpCode.create, path: '/resume-eph', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 })
    t.equal(made.err, Err.OK)
    a.destroy()
    const b = await h.connect({ sessionId: a.sessionId, passwd: a.passwd, timeout: 3000, lastZxidSeen: made.zxid })
    t.equal(b.sessionId, a.sessionId)
    t.equal(b.negotiatedTimeout, 6000, 'the session keeps the timeout it was created with')
    const exists = await b.request({ type: OpCode.exists, path: '/resume-eph', watch: false })
    t.equal(exists.err, Err.OK)
    t.equal(exists.body?.stat?.ephemeralOwner, a.sessionId, 'the ephemeral still belongs to the session')
  })

  t.test('a wrong password is answered like an expired session, then the connection is closed', async (t) => {
    const a = await h.connect()
    const wrong = Buffer.from(a.passwd)
    wrong[0] ^= 0xff
    await t.rejects(h.connect({ sessionId: a.sessionId, passwd: wrong }), SessionExpiredError)
    // and the raw bytes: timeOut 0, sessionId 0, 16 zero bytes, readOnly byte echoed
    const res = await rawHandshake(h.port, { sessionId: a.sessionId, passwd: wrong, timeOut: 4000, lastZxidSeen: 0 }, true)
    t.equal(res.response?.timeOut, 0)
    t.equal(res.response?.sessionId, 0)
    t.same(res.response?.passwd, Buffer.alloc(16))
    t.equal(res.response?.hasReadOnly, true)
    t.equal(res.closedByServer, true, 'the server closes the connection')
    // the session itself is untouched
    const ok = await a.ping()
    t.equal(ok.err, 0)
  })

  t.test('an unknown session id is expired', async (t) => {
    await t.rejects(h.connect({ sessionId: 12345, passwd: Buffer.alloc(16, 1) }), SessionExpiredError)
  })

  t.test('a client that has seen a newer zxid is refused without a reply', async (t) => {
    const res = await rawHandshake(h.port, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 4000, lastZxidSeen: 2 ** 40 }, true)
    t.equal(res.response, undefined, 'no ConnectResponse')
    t.equal(res.closedByServer, true)
    await t.rejects(h.connect({ lastZxidSeen: 2 ** 40 }), ConnectError)
  })

  t.test('an old client (no readOnly byte) gets a response without it', async (t) => {
    const c = await h.connect({ oldProtocol: true })
    t.equal(c.serverSentReadOnly, false)
    const [frame] = await rawExchange(h.port, encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 4000, lastZxidSeen: 0 }, false), 1)
    const res = decodeConnectResponse(frame)
    t.equal(res.hasReadOnly, false)
    t.ok(res.sessionId > 0)
  })

  t.test('a session resumed elsewhere closes its previous connection', async (t) => {
    const a = await h.connect()
    const gone = whenClosed(a)
    const b = await h.connect({ sessionId: a.sessionId, passwd: a.passwd })
    await gone
    t.ok(a.closed, 'the first connection was closed by the server')
    t.equal((await b.ping()).err, 0, 'the new connection serves the session')
  })

  t.test('a ConnectRequest and requests pipelined in one write are all served', async (t) => {
    const frames = await rawExchange(h.port, Buffer.concat([
      encodeConnectRequest(undefined, { sessionId: 0, passwd: Buffer.alloc(16), timeOut: 4000, lastZxidSeen: 0 }, true),
      encodeRequest(undefined, 1, { type: OpCode.exists, path: '/', watch: false }),
      encodeRequest(undefined, 2, { type: OpCode.getChildren, path: '/', watch: false })
    ]), 3)
    t.equal(frames.length, 3)
    t.ok(decodeConnectResponse(frames[0]).sessionId > 0)
    const r = new JuteReader(frames[1])
    t.same(decodeReplyHeader(r).xid, 1)
    const r2 = new JuteReader(frames[2])
    const h2 = decodeReplyHeader(r2)
    t.same([h2.xid, h2.err], [2, 0])
    t.same((decodeReplyBody(OpCode.getChildren, r2)?.children ?? []).sort(), ['zookeeper'].concat((await childrenOfRoot(h.address)).filter((c) => c !== 'zookeeper')).sort())
  })
})

interface RawResult {
  response: ReturnType<typeof decodeConnectResponse> | undefined
  closedByServer: boolean
}

/** One ConnectRequest over a bare socket; collects the response (if any) until the server closes or 3 s pass. */
function rawHandshake (port: number, req: { sessionId: number, passwd: Buffer, timeOut: number, lastZxidSeen: number }, withReadOnly: boolean): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port })
    const decoder = new FrameDecoder()
    let response: RawResult['response']
    const timer = setTimeout(() => {
      sock.destroy()
      resolve({ response, closedByServer: false })
    }, 3000)
    sock.once('connect', () => sock.write(encodeConnectRequest(undefined, req, withReadOnly)))
    sock.on('data', (chunk: Buffer) => decoder.push(chunk, (f) => { response ??= decodeConnectResponse(Buffer.from(f)) }))
    sock.on('error', (err) => { clearTimeout(timer); reject(err) })
    sock.on('close', () => {
      clearTimeout(timer)
      resolve({ response, closedByServer: true })
    })
  })
}

/** Writes `bytes` on a bare socket and resolves with the first `n` frames received. */
function rawExchange (port: number, bytes: Buffer, n: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port })
    const decoder = new FrameDecoder()
    const frames: Buffer[] = []
    sock.once('connect', () => sock.write(bytes))
    sock.on('data', (chunk: Buffer) => decoder.push(chunk, (f) => {
      frames.push(Buffer.from(f))
      if (frames.length === n) {
        sock.destroy()
        resolve(frames)
      }
    }))
    sock.on('error', reject)
    sock.on('close', () => reject(new Error(`connection closed after ${frames.length} of ${n} frames`)))
  })
}

async function childrenOfRoot (address: string): Promise<string[]> {
  const c = await ZkClient.connect(address, { autoPing: false })
  try {
    return (await c.request({ type: OpCode.getChildren, path: '/', watch: false })).body?.children ?? []
  } finally {
    c.destroy()
  }
}
