// The client origin of CONNECT / RESUME (docs/protocol.md) at the WebSocket
// API, against real nodes over a real Redis: what a peer can and cannot get
// from it. Identities come back only to a RESUME that names the same link
// and proves the session's password; a CONNECT never inherits them, even
// naming the same link; the address claim is taken only from trusted peers;
// a malformed origin closes the connection; and the origin the node reads is
// the last one, so bytes a client appends to its ConnectRequest cannot
// forge it.

import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Err, OpCode } from '../../src/engine/codes'
import { encodeConnect, encodeOrigin, encodeResume, type ClientOrigin } from '../../src/node/messages'
import { parseTrust, TrustSpecError } from '../../src/node/trust'
import { encodeConnectRequest } from '../../src/protocol'
import { nodeOn, startRedis } from '../node/harness'
import { ApiClient, type Session } from '../node/ws-client'

t.setTimeout(60_000)

function connectFrame (s?: Session): Buffer {
  return encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30000, sessionId: s?.id ?? 0, passwd: s?.passwd ?? Buffer.alloc(16) }, true)
}

function origin (address = '10.1.2.3', link = randomBytes(16)): ClientOrigin {
  return { link, address, port: 4567 }
}

async function connected (c: ApiClient): Promise<Session> {
  const m = await c.next()
  if (m.kind !== 'connected') throw new Error(`expected CONNECTED, got ${m.kind}`)
  return { id: m.sessionId, passwd: m.passwd, timeout: m.timeout }
}

async function whoAmI (c: ApiClient): Promise<string[]> {
  const r = await c.reply(c.send({ type: OpCode.whoAmI }))
  return (r.body?.clientInfo ?? []).map((i) => `${i.authScheme}:${i.user}`)
}

async function addDigest (c: ApiClient, userPassword: string): Promise<number> {
  return (await c.reply(c.send({ type: OpCode.auth, authType: 0, scheme: 'digest', auth: Buffer.from(userPassword) }, -4))).err
}

t.test('client origin over the API', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const [trusting, other, none, listed] = await Promise.all([
    nodeOn(redis.url),
    nodeOn(redis.url),
    nodeOn(redis.url, { trustClientAddress: 'none' }),
    nodeOn(redis.url, { trustClientAddress: '10.0.0.0/8,fd00::/8' })
  ])
  t.teardown(() => Promise.all([trusting, other, none, listed].map((n) => n.close())))

  const open = async (port: number): Promise<ApiClient> => {
    const c = await ApiClient.open(port)
    t.teardown(() => c.close())
    return c
  }

  t.test('the address: taken from a trusted peer, ignored from others', async (t) => {
    const a = await open(trusting.httpPort)
    a.sendRaw(encodeConnect(connectFrame(), origin()))
    await connected(a)
    t.same(await whoAmI(a), ['ip:10.1.2.3'], 'loopback is trusted by default')

    for (const [name, node] of [['none', none], ['a list without loopback', listed]] as const) {
      const b = await open(node.httpPort)
      b.sendRaw(encodeConnect(connectFrame(), origin()))
      await connected(b)
      t.same(await whoAmI(b), ['ip:127.0.0.1'], `trust ${name}: the peer's address`)
    }
  })

  t.test('identities come back to a RESUME of the same link only', async (t) => {
    const o = origin()
    const a = await open(trusting.httpPort)
    a.sendRaw(encodeConnect(connectFrame(), o))
    const s = await connected(a)
    t.equal(await addDigest(a, 'alice:pw'), Err.OK)
    const who = await whoAmI(a)
    t.same(who.slice().sort(), ['digest:alice', 'ip:10.1.2.3'])
    a.drop()

    const wrongLink = await open(other.httpPort)
    wrongLink.sendRaw(encodeResume(s.id, s.passwd, 0, { ...o, link: randomBytes(16) }))
    t.same(await wrongLink.next(), { kind: 'resumed', timeout: s.timeout })
    t.same(await whoAmI(wrongLink), ['ip:10.1.2.3'], 'another link: no identities')
    wrongLink.drop()

    const oldSidecar = await open(other.httpPort)
    oldSidecar.sendRaw(encodeResume(s.id, s.passwd, 0))
    t.same(await oldSidecar.next(), { kind: 'resumed', timeout: s.timeout })
    t.same(await whoAmI(oldSidecar), ['ip:127.0.0.1'], 'no origin (an old sidecar): none either')
    oldSidecar.drop()

    const wrongPassword = await open(other.httpPort)
    wrongPassword.sendRaw(encodeResume(s.id, randomBytes(16), 0, o))
    t.same(await wrongPassword.next(), { kind: 'expired' }, 'the right link with a wrong password: EXPIRED')

    const same = await open(other.httpPort)
    same.sendRaw(encodeResume(s.id, s.passwd, 0, o))
    t.same(await same.next(), { kind: 'resumed', timeout: s.timeout })
    t.same(await whoAmI(same), who, 'the same link: the identities are back, in the same order')
    same.drop()

    const reconnect = await open(trusting.httpPort)
    reconnect.sendRaw(encodeConnect(connectFrame(s), o))
    await connected(reconnect)
    t.same(await whoAmI(reconnect), ['ip:10.1.2.3'], 'a CONNECT to the session starts without them, even naming the same link')
    reconnect.drop()

    const after = await open(other.httpPort)
    after.sendRaw(encodeResume(s.id, s.passwd, 0, o))
    t.same(await after.next(), { kind: 'resumed', timeout: s.timeout })
    t.same(await whoAmI(after), ['ip:10.1.2.3'], 'and that CONNECT replaced what was kept')
  })

  t.test('the last origin counts: bytes a client appends to its ConnectRequest cannot forge it', async (t) => {
    const forged = encodeOrigin(origin('10.66.66.66'))
    const frame = connectFrame()
    const withForgery = Buffer.concat([frame, forged])
    withForgery.writeInt32BE(withForgery.length - 4, 0)
    const a = await open(trusting.httpPort)
    a.sendRaw(encodeConnect(withForgery, origin('10.1.2.3')))
    await connected(a)
    t.same(await whoAmI(a), ['ip:10.1.2.3'])
  })

  t.test('a malformed origin is a protocol error', async (t) => {
    const bad = encodeOrigin(origin())
    bad.write('999.1.2.', 18, 'utf8') // same length, not an IP address
    const a = await open(trusting.httpPort)
    a.sendRaw(Buffer.concat([encodeConnect(connectFrame()), bad]))
    const m = await a.next()
    t.equal(m.kind, 'close')
    t.match(m.kind === 'close' ? m.reason : '', /not an IP address/)
    await a.waitClosed()

    const b = await open(trusting.httpPort)
    b.sendRaw(Buffer.concat([encodeResume(1, Buffer.alloc(16), 0), Buffer.from('junk')]))
    const m2 = await b.next()
    t.equal(m2.kind, 'close', 'RESUME with trailing bytes that are no origin')
  })
})

t.test('the trust setting', async (t) => {
  const list = parseTrust('loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.7')
  t.ok(list.trusts('127.0.0.1') && list.trusts('::1') && list.trusts('10.200.1.1') && list.trusts('fd00::5') && list.trusts('192.0.2.7'))
  t.notOk(list.trusts('192.0.2.8') || list.trusts('11.0.0.1') || list.trusts('fe80::1') || list.trusts('unknown'))
  t.notOk(parseTrust('none').trusts('127.0.0.1'))
  t.ok(parseTrust('all').trusts('203.0.113.9'))
  for (const bad of ['', 'bogus', '10.0.0.0/33', '::/129', '10.0.0.0/x', 'none,loopback', '127.0.0.1,all']) {
    t.throws(() => parseTrust(bad), TrustSpecError, `'${bad}' is refused`)
  }
})
