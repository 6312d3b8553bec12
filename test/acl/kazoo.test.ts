// kazoo logs in as Python users do (sasl_options DIGEST-MD5, auth_data
// digest) against real ZooKeeper 3.8 and redkeeper (embedded and node1). The
// nodes it reads are readable only by the identity it logged in as, so a
// successful read proves the identity; ZooKeeper's outcomes are the
// expectation, per login.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import { digestId } from '../../src/server/auth'
import { kazoo, type KazooOutcome, type KazooSpec } from './kazoo'
import { SASL_USERS } from './scenario'
import { startServers, type Servers, type ServerName } from './servers'

const NAMES: ServerName[] = ['zookeeper', 'embedded', 'node1']
const SASL_NODE = '/kazoo-sasl'
const DIGEST_NODE = '/kazoo-digest'

type Login = (hosts: string) => KazooSpec
const logins: Record<string, Login> = {
  'sasl bob': (hosts) => ({ hosts, sasl_options: { mechanism: 'DIGEST-MD5', username: 'bob', password: SASL_USERS.bob }, reads: [SASL_NODE, DIGEST_NODE] }),
  'sasl bob, wrong password': (hosts) => ({ hosts, sasl_options: { mechanism: 'DIGEST-MD5', username: 'bob', password: 'not-bob-pw' }, reads: [SASL_NODE] }),
  'sasl unknown user': (hosts) => ({ hosts, sasl_options: { mechanism: 'DIGEST-MD5', username: 'mallory', password: 'x' }, reads: [SASL_NODE] }),
  'sasl super': (hosts) => ({ hosts, sasl_options: { mechanism: 'DIGEST-MD5', username: 'super', password: SASL_USERS.super }, reads: [SASL_NODE, DIGEST_NODE] }),
  'auth_data digest': (hosts) => ({ hosts, auth_data: [['digest', 'carol:carol-pw']], reads: [SASL_NODE, DIGEST_NODE] }),
  'auth_data digest, wrong password': (hosts) => ({ hosts, auth_data: [['digest', 'carol:nope']], reads: [DIGEST_NODE] }),
  anonymous: (hosts) => ({ hosts, reads: [SASL_NODE, DIGEST_NODE] })
}

let servers: Servers | undefined
const results = new Map<string, Map<string, KazooOutcome>>()

/** The two protected nodes, made with the raw client (ACLs need no identity to set). */
async function seed (address: string): Promise<void> {
  const c = await ZkClient.connect(address)
  try {
    for (const [path, scheme, id] of [[SASL_NODE, 'sasl', 'bob'], [DIGEST_NODE, 'digest', digestId('carol:carol-pw')]] as const) {
      const data = Buffer.from(`for ${id.split(':')[0] ?? ''}`)
      const r = await c.request({ type: OpCode.create, path, data, dataLength: data.length, acl: [{ perms: 31, id: { scheme, id } }], flags: 0 })
      if (r.err !== 0) throw new Error(`create ${path}: ${r.err}`)
    }
  } finally {
    c.destroy()
  }
}

t.before(async () => {
  servers = await startServers(NAMES)
  await Promise.all(servers.servers.map((s) => seed(s.address)))
  // one server at a time: each login is its own Python process
  for (const s of servers.servers) {
    const m = new Map<string, KazooOutcome>()
    for (const [name, login] of Object.entries(logins)) m.set(name, await kazoo(login(s.address)))
    results.set(s.name, m)
  }
})
t.teardown(async () => { await servers?.stop() })

t.test('ZooKeeper: the logins do what they claim', async (t) => {
  const z = results.get('zookeeper')
  if (z === undefined) throw new Error('no ZooKeeper results')
  t.same(z.get('sasl bob'), { states: ['CONNECTING', 'CONNECTED'], [`get ${SASL_NODE}`]: 'for bob', [`get ${DIGEST_NODE}`]: 'NoAuthError' })
  t.same(z.get('sasl bob, wrong password'), { probe: 'AuthFailedError', states: ['CONNECTING', 'CONNECTED', 'AUTH_FAILED'] }, 'a wrong password is refused')
  t.equal(z.get('sasl super')?.[`get ${DIGEST_NODE}`], 'for carol', 'the SASL super user reads everything')
  t.same(z.get('auth_data digest'), { states: ['CONNECTING', 'CONNECTED'], [`get ${SASL_NODE}`]: 'NoAuthError', [`get ${DIGEST_NODE}`]: 'for carol' })
  t.equal(z.get('auth_data digest, wrong password')?.[`get ${DIGEST_NODE}`], 'NoAuthError')
  t.equal(z.get('anonymous')?.[`get ${SASL_NODE}`], 'NoAuthError')
})

/**
 * After a refused login the server answers AUTHFAILED and closes the socket
 * (ZooKeeper does both too). Whether kazoo fails the first request with
 * AuthFailedError or ConnectionClosedError depends on which of the two its
 * threads see first, a race inside the client: the refusal itself is in the
 * states (AUTH_FAILED), which are compared as they are.
 */
function refusalNormalised (o: KazooOutcome | undefined): KazooOutcome | undefined {
  if (o === undefined || !Array.isArray(o.states) || !o.states.includes('AUTH_FAILED')) return o
  if (o.probe !== 'AuthFailedError' && o.probe !== 'ConnectionClosedError') return o
  return { ...o, probe: 'refused' }
}

for (const target of ['embedded', 'node1'] as const) {
  t.test(`${target}: kazoo sees what it sees against ZooKeeper`, async (t) => {
    const z = results.get('zookeeper')
    const r = results.get(target)
    if (z === undefined || r === undefined) throw new Error('missing results')
    for (const name of Object.keys(logins)) t.same(refusalNormalised(r.get(name)), refusalNormalised(z.get(name)), name)
  })
}
