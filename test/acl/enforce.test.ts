// The SASL/auth server options a JAAS or HBase deployment sets, each against
// real ZooKeeper 3.8 configured by its system property and redkeeper by the
// flag that stands for it: zookeeper.sessionRequireClientSASLAuth
// (--enforce-auth-schemes sasl, also on node1), zookeeper.enforce.auth.enabled
// + .schemes (--enforce-auth-schemes digest), and
// zookeeper.allowSaslFailedClients with a custom zookeeper.sasl.serverconfig
// section (--allow-sasl-failed-clients, --sasl-section). Raw-wire
// transcripts; ZooKeeper's are the expectation.

import t from 'tap'
import { Err } from '../../src/engine/codes'
import { OP, pathWatchBody, requestFrame } from '../support/wire'
import { SASL_USERS } from './scenario'
import { startServers, type ServerName, type Servers } from './servers'
import {
  AUTH, SASL, WHOAMI, afterRefusal, authBody, next, runSequence, saslBody, saslLogin, show, type Sequence
} from './wire-sequences'

const exists = (xid: number): Buffer => requestFrame(xid, OP.exists, pathWatchBody('/'))

const sequences: Record<string, Sequence> = {
  'no identity: exists': async (c, out) => {
    await c.write(exists(1))
    out.push(show(await next(c)))
    await afterRefusal(c, out)
  },
  'no identity: ping': async (c, out) => {
    await c.write(requestFrame(-2, OP.ping))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  'no identity: whoAmI': async (c, out) => {
    await c.write(requestFrame(1, WHOAMI))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  'ip identity, then exists': async (c, out) => {
    await c.write(requestFrame(-4, AUTH, authBody('ip', '')))
    out.push(show(await next(c)))
    await c.write(exists(1))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  'digest identity, then exists': async (c, out) => {
    await c.write(requestFrame(-4, AUTH, authBody('digest', 'alice:pw')))
    out.push(show(await next(c)))
    await c.write(exists(1))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  'SASL login, then exists': async (c, out) => {
    await saslLogin(c, out, 'bob', SASL_USERS.bob)
    await c.write(exists(3))
    out.push(show(await next(c), { zxid: false }))
  },
  'SASL wrong password, then exists': async (c, out) => {
    await saslLogin(c, out, 'bob', 'not-bob-pw')
    await c.write(exists(3))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  },
  'SASL garbage first token, then exists': async (c, out) => {
    await c.write(requestFrame(1, SASL, saslBody(Buffer.from('x'))))
    out.push(show(await next(c), { token: true }))
    await c.write(requestFrame(2, SASL, saslBody(Buffer.from('garbage'))))
    out.push(show(await next(c), { token: true }))
    await c.write(exists(3))
    out.push(show(await next(c), { zxid: false }))
    await afterRefusal(c, out)
  }
}

interface Config {
  name: string
  jvmFlags: string[]
  args: string[]
  section?: string
  targets: ServerName[]
}

const configs: Config[] = [
  { name: 'sessionRequireClientSASLAuth', jvmFlags: ['-Dzookeeper.sessionRequireClientSASLAuth=true'], args: ['--enforce-auth-schemes', 'sasl'], targets: ['zookeeper', 'embedded', 'node1'] },
  { name: 'enforce.auth.schemes=digest', jvmFlags: ['-Dzookeeper.enforce.auth.enabled=true', '-Dzookeeper.enforce.auth.schemes=digest'], args: ['--enforce-auth-schemes', 'digest'], targets: ['zookeeper', 'embedded'] },
  { name: 'allowSaslFailedClients, section ZkServer', jvmFlags: ['-Dzookeeper.allowSaslFailedClients=true', '-Dzookeeper.sasl.serverconfig=ZkServer'], args: ['--allow-sasl-failed-clients', 'true', '--sasl-section', 'ZkServer'], section: 'ZkServer', targets: ['zookeeper', 'embedded'] }
]

const started: Servers[] = []
/** config name → server name → sequence name → transcript */
const results = new Map<string, Map<string, Map<string, string[]>>>()

t.before(async () => {
  const all = await Promise.allSettled(configs.map((cfg) => startServers(cfg.targets, { jvmFlags: cfg.jvmFlags, args: cfg.args, section: cfg.section })))
  for (const r of all) if (r.status === 'fulfilled') started.push(r.value)
  for (const r of all) if (r.status === 'rejected') throw r.reason
  await Promise.all(configs.map(async (cfg, i) => {
    const servers = started[i] as Servers
    const byServer = new Map<string, Map<string, string[]>>()
    await Promise.all(servers.servers.map(async (s) => {
      const bySeq = new Map<string, string[]>()
      for (const [name, seq] of Object.entries(sequences)) bySeq.set(name, await runSequence(s, seq))
      byServer.set(s.name, bySeq)
    }))
    results.set(cfg.name, byServer)
  }))
})
t.teardown(async () => { await Promise.all(started.map((s) => s.stop())) })

function zk (cfg: string, seq: string): string[] {
  return results.get(cfg)?.get('zookeeper')?.get(seq) ?? []
}

t.test('ZooKeeper enforces as its options say', async (t) => {
  const refused = `err=${Err.SESSIONCLOSEDREQUIRESASLAUTH}`
  t.match(zk('sessionRequireClientSASLAuth', 'no identity: exists')[0], refused)
  t.equal(zk('sessionRequireClientSASLAuth', 'no identity: exists')[1], 'connection closed')
  t.match(zk('sessionRequireClientSASLAuth', 'no identity: ping')[0], refused, 'pings too')
  t.match(zk('sessionRequireClientSASLAuth', 'digest identity, then exists')[1], refused, 'digest is not sasl')
  t.match(zk('sessionRequireClientSASLAuth', 'SASL login, then exists')[2], 'err=0')
  t.equal(zk('sessionRequireClientSASLAuth', 'SASL wrong password, then exists')[1], `xid=2 zxid=0 ${refused} body=token(-1) `, 'a failed SASL login is refused with SESSIONCLOSEDREQUIRESASLAUTH')
  t.match(zk('enforce.auth.schemes=digest', 'digest identity, then exists')[1], 'err=0')
  t.match(zk('enforce.auth.schemes=digest', 'SASL login, then exists')[2], refused, 'sasl is not digest')
  t.equal(zk('allowSaslFailedClients, section ZkServer', 'SASL wrong password, then exists')[1], 'xid=2 zxid=0 err=0 body=token(-1) ', 'a failed login: OK with a null token')
  t.equal(zk('allowSaslFailedClients, section ZkServer', 'SASL wrong password, then exists').at(-1), 'connection open: err=0')
  t.match(zk('allowSaslFailedClients, section ZkServer', 'SASL login, then exists')[1], /rspauth=/, 'users come from the ZkServer section')
})

for (const cfg of configs) {
  for (const target of cfg.targets.filter((x) => x !== 'zookeeper')) {
    t.test(`${cfg.name}: ${target} answers as ZooKeeper does`, async (t) => {
      for (const name of Object.keys(sequences)) {
        t.same(results.get(cfg.name)?.get(target)?.get(name), zk(cfg.name, name), name)
      }
    })
  }
}
