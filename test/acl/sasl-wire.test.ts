// The auth and SASL packets byte for byte, against real ZooKeeper 3.8 and
// redkeeper (embedded and node1): ZooKeeperServer.processPacket and
// processSasl decide these replies, and clients that read the raw stream (or
// proxies that count bytes) see every one of them. Each sequence runs on a
// fresh raw connection; its transcript is compared whole.

import t from 'tap'
import { parseReply, requestFrame, pathWatchBody, OP } from '../support/wire'
import { digestResponse } from './digest-client'
import { SASL_USERS } from './scenario'
import { startServers, type Servers } from './servers'
import { AUTH, SASL, WHOAMI, afterRefusal, authBody, next, runSequence as run, saslBody, show, type Sequence } from './wire-sequences'

const sequences: Record<string, Sequence> = {
  // processSasl on a SaslException: the error header AND an empty
  // SetSASLResponse (a null buffer, length -1), then the connection closes.
  'SASL wrong password': async (c, out) => {
    await c.write(requestFrame(1, SASL, saslBody(Buffer.alloc(0))))
    const challenge = await next(c)
    out.push(show(challenge, { token: true }))
    if (challenge === null) return
    const token = parseReply(challenge).body.subarray(4)
    await c.write(requestFrame(2, SASL, saslBody(digestResponse(token, 'bob', 'not-bob-pw'))))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  'SASL login, then whoAmI': async (c, out) => {
    await c.write(requestFrame(1, SASL, saslBody(Buffer.alloc(0))))
    const challenge = await next(c)
    out.push(show(challenge, { token: true }))
    if (challenge === null) return
    const token = parseReply(challenge).body.subarray(4)
    await c.write(requestFrame(2, SASL, saslBody(digestResponse(token, 'bob', SASL_USERS.bob))))
    out.push(show(await next(c), { token: true }))
    await c.write(requestFrame(3, WHOAMI))
    out.push(show(await next(c), { zxid: false }))
  },
  'SASL garbage response': async (c, out) => {
    await c.write(requestFrame(1, SASL, saslBody(Buffer.alloc(0))))
    out.push(show(await next(c), { token: true }))
    await c.write(requestFrame(2, SASL, saslBody(Buffer.from('garbage'))))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  // ZooKeeper dispatches on the opcode alone: the xids clients reserve
  // (-4 auth, -8 setWatches) mean nothing to the server.
  'SASL with xid -4, auth with xid 7 and -8': async (c, out) => {
    await c.write(requestFrame(-4, SASL, saslBody(Buffer.alloc(0))))
    out.push(show(await next(c), { token: true }))
    await c.write(requestFrame(7, AUTH, authBody('digest', 'alice:pw')))
    out.push(show(await next(c)))
    await c.write(requestFrame(-8, AUTH, authBody('ip', '')))
    out.push(show(await next(c)))
    await c.write(requestFrame(8, WHOAMI))
    out.push(show(await next(c), { zxid: false }))
  },
  // A SASL token in an auth packet (scheme "sasl"): SASLAuthenticationProvider
  // refuses it; a header without body, then close.
  'auth packet with scheme sasl': async (c, out) => {
    await c.write(requestFrame(-4, AUTH, authBody('sasl', 'bob')))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  'auth packet with an unknown scheme': async (c, out) => {
    await c.write(requestFrame(-4, AUTH, authBody('kerberos', 'x')))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  // processPacket reads AuthPacket and GetSASLRequest itself, outside the
  // request pipeline: a record it cannot read is an IOException there, and
  // the connection is dropped without a reply (other opcodes get
  // MARSHALLINGERROR).
  'auth packet with a truncated record': async (c, out) => {
    await c.write(requestFrame(-4, AUTH, authBody('digest', 'alice:pw').subarray(0, 9)))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  'sasl packet with a truncated record': async (c, out) => {
    await c.write(requestFrame(1, SASL, Buffer.from([0, 0, 0, 9, 1])))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  'exists with a truncated record': async (c, out) => {
    await c.write(requestFrame(1, OP.exists, Buffer.from([0, 0, 0, 9, 0x2f])))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  // A refused connection reads nothing more: a request pipelined behind the
  // refused SASL packet gets no answer.
  'request pipelined after a refused SASL packet': async (c, out) => {
    await c.write(Buffer.concat([
      requestFrame(1, SASL, saslBody(Buffer.from('x'))),
      requestFrame(2, SASL, saslBody(Buffer.from('username="bob"'))),
      requestFrame(3, OP.exists, pathWatchBody('/'))
    ]))
    out.push(show(await next(c), { token: true }))
    out.push(show(await next(c)))
    out.push(show(await next(c)))
  }
}

let servers: Servers | undefined
const expected = new Map<string, string[]>()

t.before(async () => {
  servers = await startServers(['zookeeper', 'embedded', 'node1'])
  const zk = servers.get('zookeeper')
  for (const [name, seq] of Object.entries(sequences)) expected.set(name, await run(zk, seq))
})
t.teardown(async () => { await servers?.stop() })

t.test('ZooKeeper answers as the sequences claim', async (t) => {
  const wrong = expected.get('SASL wrong password') ?? []
  t.equal(wrong[1], 'xid=2 zxid=0 err=-115 body=ffffffff', 'AUTHFAILED header, then a null SASL token')
  t.equal(wrong[2], 'connection closed')
  t.match(expected.get('SASL login, then whoAmI')?.[1] ?? '', /^xid=2 zxid=0 err=0 body=token\(some\) rspauth=/)
  t.equal(expected.get('auth packet with scheme sasl')?.[0], 'xid=-4 zxid=0 err=-115 body=', 'no body after an auth refusal')
  t.match(expected.get('SASL with xid -4, auth with xid 7 and -8')?.[1] ?? '', /^xid=7 zxid=0 err=0 body=$/)
})

for (const target of ['embedded', 'node1'] as const) {
  t.test(`${target}: the same bytes`, async (t) => {
    if (servers === undefined) throw new Error('servers did not start')
    const s = servers.get(target)
    for (const [name, seq] of Object.entries(sequences)) {
      t.same(await run(s, seq), expected.get(name), name)
    }
  })
}

