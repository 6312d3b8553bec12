// Conformance: ACL schemes and identities on a ZooKeeper with its default
// providers (ip, digest; no SASL configured): ip ACLs by IPv4 CIDR, ids
// ZooKeeper 3.8 refuses (IPv6, sasl without its provider), whoAmI in
// ZooKeeper's order, and the sasl opcode with no SASL server.

import { digestId } from '../../src/server/auth'
import { Err, OpCode } from '../../src/engine/codes'
import type { ACL } from '../../src/engine/types'
import { Session, create, getData, type Tap } from './helpers'

function ip (perms: number, id: string): ACL {
  return { perms, id: { scheme: 'ip', id } }
}

export function aclCases (t: Tap, addr: () => string): void {
  t.test('ip ACLs match IPv4 prefixes (the client is 127.0.0.1)', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    t.equal((await create(c, '/aclip', 0, null, [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }])).err, Err.OK)
    const cases: Array<[string, number]> = [
      ['127.0.0.0/8', Err.OK],
      ['127.0.0.1', Err.OK],
      ['127.0.0.1/32', Err.OK],
      ['127.0.0.0/31', Err.OK],
      ['127.0.0.2/31', Err.NOAUTH],
      ['126.0.0.0/7', Err.OK],
      ['124.0.0.0/7', Err.NOAUTH],
      ['10.0.0.0/8', Err.NOAUTH],
      ['0.0.0.0/0', Err.OK]
    ]
    let i = 0
    for (const [id, expected] of cases) {
      const path = `/aclip/n${i++}`
      t.equal((await create(c, path, 0, Buffer.from('x'), [ip(1, id)])).err, Err.OK, `create with ip:${id}`)
      t.equal((await getData(c, path)).err, expected, `read under ip:${id}`)
    }
  })

  t.test('ACL ids ZooKeeper 3.8 refuses: INVALIDACL', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    const bad: ACL[] = [
      ip(31, '::1'), ip(31, 'fe80::/10'), ip(31, '127.0.0.1/33'), ip(31, '127.0.0.1/-1'),
      ip(31, '127.0.0.1/8/8'), ip(31, '1.2.3'), ip(31, '1.2.3.4.5'), ip(31, 'localhost'),
      { perms: 31, id: { scheme: 'sasl', id: 'bob' } },
      { perms: 31, id: { scheme: 'digest', id: 'no-colon' } },
      { perms: 31, id: { scheme: 'x509', id: 'CN=a' } }
    ]
    for (const a of bad) {
      t.equal((await create(c, '/aclbad', 0, null, [a])).err, Err.INVALIDACL, `${a.id.scheme}:${a.id.id}`)
    }
  })

  t.test('whoAmI lists identities in ZooKeeper order; super needs a superDigest', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    for (const u of ['alice:secret', 'bob:pw', 'super:anything']) t.equal((await c.auth('digest', Buffer.from(u))).err, Err.OK)
    const who = await c.request({ type: OpCode.whoAmI })
    t.same(who.body?.clientInfo, [
      { authScheme: 'digest', user: 'alice' },
      { authScheme: 'digest', user: 'bob' },
      { authScheme: 'digest', user: 'super' },
      { authScheme: 'ip', user: '127.0.0.1' }
    ])
    const other = await s.client()
    t.equal((await create(other, '/aclwho', 0, Buffer.from('x'), [{ perms: 31, id: { scheme: 'digest', id: digestId('carol:pw') } }])).err, Err.OK)
    t.equal((await getData(c, '/aclwho')).err, Err.NOAUTH, 'no superDigest: super:… is an ordinary user')
  })

  t.test('sasl with no SASL server: OK, a null token, the connection stays', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    const r = await c.request({ type: OpCode.sasl, token: Buffer.alloc(0) })
    t.equal(r.err, Err.OK)
    t.same(r.body, { token: null })
    t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  })
}
