// Conformance: what the server does with input no well-behaved client sends
// (unknown opcodes, malformed records, oversized frames) and authentication.

import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { parseAddress } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { FrameDecoder, encodeConnectRequest } from '../../src/protocol'
import { OPEN, Session, bytes, closedByServer, create, exists, getData, within, type Tap } from './helpers'

/** A raw socket past the handshake, for writing bytes no codec would produce. */
async function rawSession (address: string): Promise<Socket> {
  const { host, port } = parseAddress(address)
  const sock = connect({ host, port })
  await within(once(sock, 'connect'), 'TCP connect')
  sock.write(encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30_000, sessionId: 0, passwd: Buffer.alloc(16) }, true))
  const decoder = new FrameDecoder()
  await within(new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => decoder.push(chunk, () => {
      sock.off('data', onData)
      resolve()
    })
    sock.on('data', onData)
  }), 'the ConnectResponse')
  return sock
}

async function untilClosed (sock: Socket): Promise<void> {
  sock.on('error', () => {}) // a reset is as good as a close here
  if (sock.destroyed) return
  await within(once(sock, 'close').then(() => undefined), 'the server to close the raw connection')
}

export function wireCases (t: Tap, addr: () => string): void {
  t.test('an unknown opcode: UNIMPLEMENTED, then the connection is closed', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    const other = await s.client()
    const r = await c.requestRaw(55)
    t.equal(r.err, Err.UNIMPLEMENTED)
    t.equal(r.size, 16, 'header only')
    await closedByServer(c)
    t.ok(c.closed)
    t.equal((await exists(other, '/')).err, Err.OK, 'other connections are unaffected')
  })

  t.test('a malformed request body: MARSHALLINGERROR, the connection stays usable', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    // getData whose path claims 9 bytes but carries 1
    const truncated = await c.requestRaw(OpCode.getData, Buffer.from([0, 0, 0, 9, 0x2f]))
    t.equal(truncated.err, Err.MARSHALLINGERROR)
    t.equal(truncated.size, 16)
    t.equal((await c.requestRaw(OpCode.exists)).err, Err.MARSHALLINGERROR, 'an empty body')
    // create with nothing after the path
    t.equal((await c.requestRaw(OpCode.create, Buffer.from([0, 0, 0, 3, 0x2f, 0x6d, 0x6c]))).err, Err.MARSHALLINGERROR)
    t.equal((await exists(c, '/ml')).err, Err.NONODE, 'the malformed create did nothing')
    // a multi header with no end marker
    t.equal((await c.requestRaw(OpCode.multi, Buffer.from([0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]))).err, Err.MARSHALLINGERROR)
    t.notOk(c.closed)
    t.equal((await exists(c, '/')).err, Err.OK, 'still served afterwards')
  })

  t.test('a frame over jute.maxbuffer closes just that connection', async (t) => {
    const s = new Session(t, addr)
    const bystander = await s.client()
    for (const len of [1048576, 0x7fffffff, -5]) {
      const sock = await rawSession(addr())
      const hdr = Buffer.alloc(12)
      hdr.writeInt32BE(len, 0)
      sock.write(hdr)
      await untilClosed(sock)
      t.pass(`length ${len}: connection closed`)
    }
    t.equal((await exists(bystander, '/')).err, Err.OK, 'other connections are unaffected')

    // Just under the limit is fine: 1 MB minus a little for the record around the data.
    const big = Buffer.alloc(1048575 - 200, 1)
    t.equal((await create(bystander, '/big', 0, big)).err, Err.OK, 'a create just under jute.maxbuffer is accepted')
    const back = await getData(bystander, '/big')
    t.equal(back.body?.stat?.dataLength, big.length)
  })

  t.test('auth: digest identities, ACL enforcement, unknown schemes', async (t) => {
    const s = new Session(t, addr)
    const a = await s.client()
    const anon = await s.client()
    const r = await a.auth('digest', bytes('alice:secret'))
    t.equal(r.xid, -4)
    t.equal(r.err, Err.OK)

    const digest = 'alice:' + createHash('sha1').update('alice:secret').digest('base64')
    const made = await create(a, '/au', 0, bytes('private'), [{ perms: 31, id: { scheme: 'auth', id: '' } }])
    t.equal(made.err, Err.OK, 'the auth scheme resolves to the connection\'s identities')
    const acl = await a.request({ type: OpCode.getACL, path: '/au' })
    t.same(acl.body?.acl, [{ perms: 31, id: { scheme: 'digest', id: digest } }], 'stored as digest:user:base64(sha1(user:password))')
    t.equal((await getData(a, '/au')).err, Err.OK)
    t.equal((await getData(anon, '/au')).err, Err.NOAUTH, 'another identity → NOAUTH')
    t.equal((await exists(anon, '/au')).err, Err.OK, 'exists needs no permission')

    const mixed = await create(a, '/au2', 0, null, [...OPEN, { perms: 31, id: { scheme: 'digest', id: digest } }])
    t.equal(mixed.err, Err.OK)

    const bad = await anon.auth('nosuchscheme', bytes('x'))
    t.equal(bad.err, Err.AUTHFAILED, 'an unknown scheme → AUTHFAILED')
    await closedByServer(anon)
    t.ok(anon.closed, 'and the connection is closed')
  })
}
