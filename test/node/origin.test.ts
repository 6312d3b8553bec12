// The client origin trailer of CONNECT and RESUME (docs/protocol.md) as the
// node reads it: "RKI2" carries the link's try number, "RKI1" (older
// sidecars) none; the sidecar's encoder and the node's decoder agree.

import t from 'tap'
import { randomBytes } from 'node:crypto'
import { decodeClientMessage, encodeOrigin, encodeResume, Msg, ProtocolError } from '../../src/node/messages'
import { connectMessage, originTrailer, resumeMessage, setAttempt } from '../../src/sidecar/messages'

const link = randomBytes(16)
const passwd = randomBytes(16)

t.test('the sidecar\'s trailer, stamped per try, is read back by the node', async (t) => {
  const origin = originTrailer(link, '10.0.0.7', 40123)
  const resume = resumeMessage(5n, passwd, 9, origin)
  setAttempt(resume, origin.length, 7)
  const m = decodeClientMessage(resume)
  t.equal(m.type, Msg.RESUME)
  if (m.type !== Msg.RESUME) return
  t.same({ id: m.sessionId, seq: m.deliveredSeq, address: m.origin?.address, port: m.origin?.port, attempt: m.origin?.attempt }, { id: 5, seq: 9, address: '10.0.0.7', port: 40123, attempt: 7 })
  t.ok(m.origin?.link.equals(link), 'the link')

  const body = Buffer.from('connect-request-body')
  const connect = connectMessage(body, origin)
  setAttempt(connect, origin.length, 1)
  const c = decodeClientMessage(connect)
  t.ok(c.type === Msg.CONNECT && c.body.equals(body), 'CONNECT keeps the client\'s body whole')
  t.equal(c.type === Msg.CONNECT ? c.origin?.attempt : undefined, 1)
  setAttempt(connect, origin.length, 2)
  const c2 = decodeClientMessage(connect)
  t.equal(c2.type === Msg.CONNECT ? c2.origin?.attempt : undefined, 2, 're-stamped for the next try')
})

t.test('an older sidecar\'s trailer (RKI1) still reads, without a try number', async (t) => {
  const m = decodeClientMessage(encodeResume(5, passwd, 0, { link, address: '::1', port: 1 }))
  t.equal(m.type === Msg.RESUME ? m.origin?.address : undefined, '::1')
  t.equal(m.type === Msg.RESUME ? m.origin?.attempt : 'not a resume', undefined)
  const m2 = decodeClientMessage(encodeResume(5, passwd, 0, { link, address: '::1', port: 1, attempt: 3 }))
  t.equal(m2.type === Msg.RESUME ? m2.origin?.attempt : undefined, 3, 'encodeOrigin writes RKI2 when given a try')
})

t.test('a RESUME whose trailer does not fit is a protocol error', async (t) => {
  const bad = Buffer.concat([encodeResume(5, passwd, 0), Buffer.from([1, 2]), encodeOrigin({ link, address: '1.2.3.4', port: 1, attempt: 1 })])
  t.throws(() => decodeClientMessage(bad), ProtocolError)
})
