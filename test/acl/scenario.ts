// The ACL/auth scenario run against real ZooKeeper and against redkeeper:
// each step's error code and decoded reply body go into a transcript, so the
// test compares whole transcripts (ZooKeeper's is the expectation) and also
// asserts the facts the scenario exists for.

import { once } from 'node:events'
import { ZkClient, type Reply } from '../../src/client'
import { digestId } from '../../src/server/auth'
import { OpCode } from '../../src/engine/codes'
import type { ACL } from '../../src/engine/types'

export const SUPER_PASSWORD = 'super-secret'
/** zookeeper.DigestAuthenticationProvider.superDigest for SUPER_PASSWORD */
export const SUPER_DIGEST = digestId(`super:${SUPER_PASSWORD}`)
export const SASL_USERS = { super: 'sasl-super-pw', bob: 'bob-pw' }

/** The JAAS file both servers read (redkeeper: --sasl-users; ZooKeeper: -Djava.security.auth.login.config). */
export function serverJaas (): string {
  const users = Object.entries(SASL_USERS).map(([u, p]) => `  user_${u}="${p}"`).join('\n')
  return `// the server's DIGEST-MD5 users\nServer {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`
}

export function clientJaas (user: string, password: string): string {
  return `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="${user}"\n  password="${password}";\n};\n`
}

export interface Step {
  step: string
  err: number
  body?: unknown
}

const ALL = 31
const READ = 1
const WRITE = 2

function acl (perms: number, scheme: string, id: string): ACL {
  return { perms, id: { scheme, id } }
}

/** Runs the scenario under `root` (a fresh path) and returns its transcript. */
export async function aclScenario (address: string, root: string): Promise<Step[]> {
  const out: Step[] = []
  const clients: ZkClient[] = []
  const connect = async (): Promise<ZkClient> => {
    const c = await ZkClient.connect(address)
    clients.push(c)
    return c
  }
  const rec = async (step: string, p: Promise<Reply>, pick: (r: Reply) => unknown = () => undefined): Promise<Reply> => {
    const r = await p
    const s: Step = { step, err: r.err }
    const body = r.err === 0 ? pick(r) : undefined
    if (body !== undefined) s.body = body
    out.push(s)
    return r
  }
  const whoAmI = (c: ZkClient, step: string): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.whoAmI }), (r) => r.body?.clientInfo)
  const create = (c: ZkClient, step: string, path: string, acls: ACL[]): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.create, path, data: Buffer.from('x'), dataLength: 1, acl: acls, flags: 0 }))
  const getData = (c: ZkClient, step: string, path: string): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.getData, path, watch: false }), (r) => r.body?.data === null || r.body?.data === undefined ? null : Buffer.from(r.body.data).toString())
  const setData = (c: ZkClient, step: string, path: string): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.setData, path, data: Buffer.from('y'), dataLength: 1, version: -1 }))
  const getAcl = (c: ZkClient, step: string, path: string): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.getACL, path }), (r) => r.body?.acl)
  const setAcl = (c: ZkClient, step: string, path: string, acls: ACL[]): Promise<Reply> =>
    rec(step, c.request({ type: OpCode.setACL, path, acl: acls, version: -1 }))
  const addAuth = (c: ZkClient, step: string, scheme: string, auth: string): Promise<Reply> =>
    rec(step, c.auth(scheme, Buffer.from(auth)))

  try {
    const alice = digestId('alice:alice-pw')
    const owner = await connect()
    await create(owner, 'create root', root, [acl(ALL, 'world', 'anyone')])
    await whoAmI(owner, 'whoAmI fresh')
    await addAuth(owner, 'addauth digest alice', 'digest', 'alice:alice-pw')
    await addAuth(owner, 'addauth digest alice again', 'digest', 'alice:alice-pw')
    await whoAmI(owner, 'whoAmI after addauth')
    await addAuth(owner, 'addauth ip', 'ip', 'ignored')
    await whoAmI(owner, 'whoAmI after addauth ip')

    // digest ACLs
    await create(owner, 'create digest-only', `${root}/d`, [acl(ALL, 'digest', alice)])
    await getData(owner, 'owner reads digest-only', `${root}/d`)
    const other = await connect()
    await getData(other, 'other reads digest-only', `${root}/d`)
    await setData(other, 'other writes digest-only', `${root}/d`)
    await getAcl(other, 'other getACL digest-only (READ|ADMIN missing)', `${root}/d`)
    await addAuth(other, 'other addauth wrong password', 'digest', 'alice:wrong')
    await getData(other, 'other (wrong password) reads', `${root}/d`)
    await whoAmI(other, 'whoAmI wrong password')

    // auth scheme: expands to the caller's authenticated identities
    await create(owner, 'create auth ACL', `${root}/a`, [acl(ALL, 'auth', '')])
    await getAcl(owner, 'getACL auth ACL', `${root}/a`)
    const anon = await connect()
    await create(anon, 'auth ACL without identity', `${root}/a2`, [acl(ALL, 'auth', '')])
    await addAuth(anon, 'anon addauth ip only', 'ip', '')
    await create(anon, 'auth ACL with ip identity only', `${root}/a3`, [acl(ALL, 'auth', '')])
    const many = await connect()
    for (const u of ['carol', 'dave', 'erin', 'frank']) await addAuth(many, `addauth digest ${u}`, 'digest', `${u}:pw`)
    await whoAmI(many, 'whoAmI with five identities')
    await create(many, 'create auth ACL, four digests', `${root}/a4`, [acl(READ, 'auth', ''), acl(ALL, 'world', 'anyone')])
    await getAcl(many, 'getACL auth ACL, four digests', `${root}/a4`)

    // getACL masking: READ without ADMIN
    await create(owner, 'create read+digest', `${root}/m`, [acl(READ, 'world', 'anyone'), acl(ALL, 'digest', alice)])
    await getAcl(other, 'getACL without ADMIN', `${root}/m`)
    await getAcl(owner, 'getACL with ADMIN', `${root}/m`)

    // ip ACLs, CIDR
    await create(owner, 'create ip 127/8 read', `${root}/ip8`, [acl(READ, 'ip', '127.0.0.0/8'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip 127/8 read', `${root}/ip8`)
    await setData(anon, 'ip 127/8 write', `${root}/ip8`)
    await create(owner, 'create ip 10/8', `${root}/ip10`, [acl(ALL, 'ip', '10.0.0.0/8'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip 10/8 read', `${root}/ip10`)
    await create(owner, 'create ip exact', `${root}/ipx`, [acl(READ | WRITE, 'ip', '127.0.0.1'), acl(ALL, 'digest', alice)])
    await setData(anon, 'ip exact write', `${root}/ipx`)
    await create(owner, 'create ip 127.0.0.1/31', `${root}/ip31`, [acl(READ, 'ip', '127.0.0.0/31'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip /31 read', `${root}/ip31`)
    await create(owner, 'create ip 127.0.0.2/32', `${root}/ip32`, [acl(READ, 'ip', '127.0.0.2/32'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip /32 other read', `${root}/ip32`)
    await create(owner, 'create ip /0', `${root}/ip0`, [acl(READ, 'ip', '1.2.3.4/0'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip /0 read', `${root}/ip0`)
    await create(owner, 'create ip /33', `${root}/bad1`, [acl(ALL, 'ip', '127.0.0.1/33')])
    await create(owner, 'create ip 256', `${root}/bad2`, [acl(ALL, 'ip', '127.0.0.256')])
    await create(owner, 'create ip v6', `${root}/bad3`, [acl(ALL, 'ip', '::1')])
    await create(owner, 'create ip v6 cidr', `${root}/bad4`, [acl(ALL, 'ip', 'fe80::/64')])
    await create(owner, 'create ip three parts', `${root}/bad5`, [acl(ALL, 'ip', '127.0.1')])
    await create(owner, 'create ip leading zeros and plus', `${root}/ipz`, [acl(READ, 'ip', '127.000.0.+1/+32'), acl(ALL, 'digest', alice)])
    await getData(anon, 'ip leading zeros read', `${root}/ipz`)

    // INVALIDACL cases
    await create(owner, 'digest id without colon', `${root}/bad6`, [acl(ALL, 'digest', 'alice')])
    await create(owner, 'unknown scheme', `${root}/bad7`, [acl(ALL, 'nosuch', 'x')])
    await create(owner, 'world not anyone', `${root}/bad8`, [acl(ALL, 'world', 'someone')])
    await create(owner, 'empty acl', `${root}/bad9`, [])
    await create(owner, 'sasl acl', `${root}/s`, [acl(ALL, 'sasl', 'bob')])
    await setAcl(owner, 'setACL sasl with @', `${root}/s`, [acl(ALL, 'sasl', 'a@b@c')])

    // setACL needs ADMIN
    await create(owner, 'create no-admin', `${root}/na`, [acl(READ | WRITE, 'world', 'anyone')])
    await setAcl(other, 'setACL without ADMIN', `${root}/na`, [acl(ALL, 'world', 'anyone')])

    // super
    const root2 = await connect()
    await addAuth(root2, 'addauth digest super', 'digest', `super:${SUPER_PASSWORD}`)
    await whoAmI(root2, 'whoAmI super')
    await getData(root2, 'super reads digest-only', `${root}/d`)
    await getAcl(root2, 'super getACL', `${root}/m`)
    await setAcl(root2, 'super setACL without ADMIN entry', `${root}/na`, [acl(ALL, 'world', 'anyone')])
    const wrongSuper = await connect()
    await addAuth(wrongSuper, 'addauth digest super wrong', 'digest', 'super:nope')
    await getData(wrongSuper, 'wrong super reads digest-only', `${root}/d`)

    // unknown scheme and sasl through addauth: AUTHFAILED, then the server closes
    const bad = await connect()
    const closed = once(bad, 'close')
    await addAuth(bad, 'addauth unknown scheme', 'nosuch', 'x')
    await closed
    out.push({ step: 'closed after AUTHFAILED', err: 0 })
    const bad2 = await connect()
    const closed2 = once(bad2, 'close')
    await addAuth(bad2, 'addauth sasl', 'sasl', 'bob')
    await closed2
    out.push({ step: 'closed after sasl addauth', err: 0 })

    // cleanup as super (ACLs block the owner from nothing, but keep it simple)
    for (const child of ['d', 'a', 'a4', 'm', 'ip8', 'ip10', 'ipx', 'ip31', 'ip32', 'ip0', 'ipz', 's', 'na']) {
      await root2.request({ type: OpCode.delete, path: `${root}/${child}`, version: -1 })
    }
    await root2.request({ type: OpCode.delete, path: root, version: -1 })
  } finally {
    for (const c of clients) if (!c.closed) c.destroy()
  }
  return out
}

/** Raw SASL packets (opcode 102) with bad tokens: each sequence on a fresh connection. */
export async function saslBadInput (address: string): Promise<Step[]> {
  const sequences: Array<[string, Buffer[]]> = [
    ['initial response with data', [Buffer.from('x')]],
    ['garbage digest-response', [Buffer.alloc(0), Buffer.from('this is not a digest response')]],
    ['empty digest-response', [Buffer.alloc(0), Buffer.alloc(0)]],
    ['unterminated quote', [Buffer.alloc(0), Buffer.from('username="bob,nonce="')]],
    ['unknown user', [Buffer.alloc(0), Buffer.from('username="nobody",realm="zk-sasl-md5",nonce="n",nc=00000001,cnonce="c",digest-uri="zookeeper/zk-sasl-md5",maxbuf=65536,response=00000000000000000000000000000000,qop=auth')]]
  ]
  const out: Step[] = []
  for (const [name, tokens] of sequences) {
    const c = await ZkClient.connect(address)
    try {
      const closed = new Promise<string>((resolve) => c.once('close', () => resolve('closed')))
      for (let i = 0; i < tokens.length; i++) {
        const r = await c.request({ type: OpCode.sasl, token: tokens[i] as Buffer })
        // the challenge carries a random nonce: keep only its shape
        const token = r.body?.token
        out.push({ step: `${name} #${i}`, err: r.err, body: token === undefined || token === null ? token : token.length > 0 })
        if (r.err !== 0) break
      }
      const last = out[out.length - 1]
      if (last !== undefined && last.err !== 0) {
        out.push({ step: `${name}: ${await closed}`, err: 0 })
      } else {
        const alive = await c.request({ type: OpCode.exists, path: '/', watch: false })
        out.push({ step: `${name}: connection still serves`, err: alive.err })
      }
    } finally {
      if (!c.closed) c.destroy()
    }
  }
  return out
}
