// Conformance: the session handshake and session lifecycle.

import { ConnectError, SessionExpiredError, ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { Session, create, exists, sorted, statOf, type Tap } from './helpers'

export function sessionCases (t: Tap, addr: () => string): void {
  t.test('handshake: ConnectResponse, timeout negotiation, old clients', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client({ timeout: 10_000 })
    t.not(c.sessionIdBig, 0n, 'a new session id')
    t.equal(c.passwd.length, 16, '16-byte session password')
    t.equal(c.negotiatedTimeout, 10_000, 'a timeout within bounds is kept')
    t.ok(c.serverSentReadOnly, 'a current client gets the readOnly byte')
    t.equal(c.serverReadOnly, false)

    // Bounds with the default tickTime of 2000 ms: 2 and 20 ticks.
    t.equal((await s.client({ timeout: 1000 })).negotiatedTimeout, 4000, 'raised to minSessionTimeout')
    t.equal((await s.client({ timeout: 10_000_000 })).negotiatedTimeout, 40_000, 'lowered to maxSessionTimeout')

    const old = await s.client({ oldProtocol: true })
    t.equal(old.serverSentReadOnly, false, 'a 3.4-style client (no readOnly byte) gets no readOnly byte back')
    t.equal((await create(old, '/old-client', 1)).err, Err.OK, 'and is served normally')

    const other = await s.client()
    t.not(other.sessionIdBig, c.sessionIdBig, 'each connection gets its own session')

    const ping = await c.ping()
    t.equal(ping.xid, -2)
    t.equal(ping.err, Err.OK)
    t.equal(ping.size, 16)

    await t.rejects(ZkClient.connect(addr(), { lastZxidSeen: 2 ** 40 }), ConnectError,
      'a client that has seen a later zxid than the server is refused (connection closed)')
  })

  t.test('resumption by id and password keeps the session and its ephemerals', async (t) => {
    const s = new Session(t, addr)
    const a = await s.client()
    await create(a, '/rs')
    await create(a, '/rs/eph', 1)
    const id = a.sessionIdBig
    const passwd = a.passwd
    a.destroy()

    const b = await s.client({ sessionId: id, passwd, lastZxidSeen: a.lastZxid })
    t.equal(b.sessionIdBig, id, 'same session id')
    t.same(b.passwd, passwd, 'same password')
    t.equal((await statOf(t, b, '/rs/eph')).ephemeralOwner, b.sessionId, 'the ephemeral survived the reconnect')
    t.same((await b.request({ type: OpCode.getEphemerals, prefixPath: '/rs' })).body?.paths, ['/rs/eph'])

    const wrong = Buffer.from(passwd)
    wrong[0] ^= 0xff
    b.destroy()
    await t.rejects(ZkClient.connect(addr(), { sessionId: id, passwd: wrong }), SessionExpiredError,
      'a wrong password gets the expired handshake (timeout 0, session 0)')
    const again = await s.client({ sessionId: id, passwd })
    t.equal(again.sessionIdBig, id, 'a failed attempt does not end the session')
    t.equal((await again.close()).err, Err.OK)

    await t.rejects(ZkClient.connect(addr(), { sessionId: id, passwd }), SessionExpiredError,
      'a closed session cannot be resumed')
    const c = await s.client()
    t.equal((await exists(c, '/rs/eph')).err, Err.NONODE, 'closing the session deleted its ephemeral')
    await t.rejects(ZkClient.connect(addr(), { sessionId: c.sessionIdBig + 0x1234567n, passwd }), SessionExpiredError,
      'an unknown session id gets the expired handshake')
  })

  t.test('getEphemerals: this session only, filtered by prefix', async (t) => {
    const s = new Session(t, addr)
    const a = await s.client()
    const b = await s.client()
    await create(a, '/ge')
    await create(a, '/ge/x')
    await create(a, '/ge/e1', 1)
    await create(a, '/ge/x/e2', 1)
    await create(a, '/ge/s-', 3)
    await create(b, '/ge/other', 1)
    const all = ['/ge/e1', '/ge/s-0000000002', '/ge/x/e2']
    t.same(sorted((await a.request({ type: OpCode.getEphemerals, prefixPath: '/' })).body?.paths), all)
    t.same(sorted((await a.request({ type: OpCode.getEphemerals, prefixPath: '' })).body?.paths), all, '"" means all')
    t.same(sorted((await a.request({ type: OpCode.getEphemerals, prefixPath: '/ge/x' })).body?.paths), ['/ge/x/e2'])
    t.same(sorted((await a.request({ type: OpCode.getEphemerals, prefixPath: '/ge/e' })).body?.paths), ['/ge/e1'], 'a plain string prefix, not a path prefix')
    t.same((await a.request({ type: OpCode.getEphemerals, prefixPath: '/nope' })).body?.paths, [])
    t.same((await b.request({ type: OpCode.getEphemerals, prefixPath: '/' })).body?.paths, ['/ge/other'])
  })
}
