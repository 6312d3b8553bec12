import t from 'tap'
import {
  FrameDecoder, JuteDecodeError, decodeConnectRequest, decodeConnectResponse, encodeConnectRequest,
  encodeConnectResponse
} from '../../src/protocol'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const body = (frame: Buffer): Buffer => {
  let out: Buffer | undefined
  new FrameDecoder().push(frame, (f) => { out = f })
  if (out === undefined) throw new Error('no frame')
  return out
}

// What the Java client (ClientCnxnSocket) writes for a new session with a
// 30 s timeout: ConnectRequest{0, 0, 30000, 0, 16 zero bytes} + readOnly false.
const JAVA_NEW_SESSION = hex(`
  0000002d
  00000000
  0000000000000000
  00007530
  0000000000000000
  00000010 00000000000000000000000000000000
  00`)

t.test('a new-session ConnectRequest, byte for byte as the Java client sends it', async (t) => {
  const req = decodeConnectRequest(body(JAVA_NEW_SESSION))
  t.same(req, {
    protocolVersion: 0,
    lastZxidSeen: 0,
    timeOut: 30000,
    sessionId: 0,
    passwd: Buffer.alloc(16),
    readOnly: false,
    hasReadOnly: true
  })
  const again = encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30000, sessionId: 0, passwd: Buffer.alloc(16) }, true)
  t.same(again, JAVA_NEW_SESSION, 'our client encodes the same bytes')
})

t.test('a resuming, read-only ConnectRequest', async (t) => {
  const passwd = hex('0102030405060708090a0b0c0d0e0f10')
  const frame = hex(`
    0000002d
    00000000
    000000000000001a
    00002710
    000000000001e240
    00000010 0102030405060708090a0b0c0d0e0f10
    01`)
  t.same(decodeConnectRequest(body(frame)), {
    protocolVersion: 0, lastZxidSeen: 0x1a, timeOut: 10000, sessionId: 123456, passwd, readOnly: true, hasReadOnly: true
  })
  t.same(encodeConnectRequest(undefined, { lastZxidSeen: 0x1a, timeOut: 10000, sessionId: 123456, passwd, readOnly: true }, true), frame)
})

t.test('an old (3.4-era) ConnectRequest has no readOnly byte', async (t) => {
  const old = Buffer.from(JAVA_NEW_SESSION.subarray(0, JAVA_NEW_SESSION.length - 1))
  old.writeInt32BE(44, 0)
  const req = decodeConnectRequest(body(old))
  t.equal(req.hasReadOnly, false)
  t.equal(req.readOnly, false)
  t.equal(req.timeOut, 30000)
  t.same(encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30000, sessionId: 0, passwd: Buffer.alloc(16) }, false), old)
})

t.test('trailing bytes after readOnly are ignored; a null passwd reads as empty', async (t) => {
  const req = decodeConnectRequest(hex('00000000 0000000000000000 00001388 0000000000000000 ffffffff 00 deadbeef'))
  t.same(req.passwd, Buffer.alloc(0))
  t.equal(req.hasReadOnly, true)
  t.equal(req.timeOut, 5000)
})

t.test('a truncated ConnectRequest throws JuteDecodeError at every cut', async (t) => {
  const full = body(JAVA_NEW_SESSION)
  // Every cut before the readOnly byte is malformed; the cut at the end of passwd is an old client.
  for (let n = 0; n < full.length - 1; n++) {
    t.throws(() => decodeConnectRequest(full.subarray(0, n)), JuteDecodeError, `${n} bytes`)
  }
})

t.test('ConnectResponse: readOnly byte only when the client sent one', async (t) => {
  const passwd = hex('00112233445566778899aabbccddeeff')
  const r = { protocolVersion: 0, timeOut: 30000, sessionId: 0x1234, passwd }
  const withRo = encodeConnectResponse(undefined, r, true)
  t.same(withRo, hex(`
    00000025
    00000000
    00007530
    0000000000001234
    00000010 00112233445566778899aabbccddeeff
    00`))
  const without = encodeConnectResponse(undefined, r, false)
  t.same(without, Buffer.concat([hex('00000024'), withRo.subarray(4, withRo.length - 1)]))
  t.same(decodeConnectResponse(body(withRo)), { ...r, sessionIdBig: 0x1234n, readOnly: false, hasReadOnly: true })
  t.same(decodeConnectResponse(body(without)), { ...r, sessionIdBig: 0x1234n, readOnly: false, hasReadOnly: false })
  t.equal(decodeConnectResponse(body(encodeConnectResponse(undefined, { ...r, readOnly: true }, true))).readOnly, true)
})

t.test('the expired-session answer: timeout 0, session 0, 16 zero bytes', async (t) => {
  const f = encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: 0, sessionId: 0, passwd: Buffer.alloc(16) }, true)
  const r = decodeConnectResponse(body(f))
  t.equal(r.timeOut, 0)
  t.equal(r.sessionIdBig, 0n)
})

t.test('real ZooKeeper session ids (>= 2^56) survive the client round trip exactly as bigint', async (t) => {
  const id = 0x0100000bf83b0007n
  const f = encodeConnectRequest(undefined, { lastZxidSeen: 5, timeOut: 4000, sessionId: id, passwd: Buffer.alloc(16) }, true)
  t.equal(f.readBigInt64BE(4 + 4 + 8 + 4), id)
  const resp = encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: 4000, sessionId: 0, passwd: Buffer.alloc(16) }, true)
  resp.writeBigInt64BE(id, 4 + 4 + 4)
  const back = decodeConnectResponse(body(resp))
  t.equal(back.sessionIdBig, id)
  t.equal(back.sessionId, Number(id), 'the number form is the rounded value')
})
