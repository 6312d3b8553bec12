// `redkeeper sessions` and `redkeeper hbase status` against a real embedded
// server and a node1 topology, driven as a user would. They read GET /v1/sessions and
// GET /v1/hbase (the inspection routes), so a ZooKeeper client's session,
// ephemeral and watch must show up.

import t from 'tap'
import { Err, OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import type { Test } from 'tap'
import { SUPER_PASSWORD } from '../http/rest-suite'
import { json, restArgs, rk, TOKEN } from './ops-suite'

t.setTimeout(180_000)

interface Target { http: string, zk: string }

t.test('embedded', async (t) => {
  const rk1 = await startRedkeeper({ args: restArgs() })
  t.teardown(() => rk1.destroy())
  inspectSuite(t, { http: `http://127.0.0.1:${rk1.httpPort}`, zk: rk1.address })
})

t.test('node1', async (t) => {
  const topo = await startTopology('node1', { node: { args: restArgs() } })
  t.teardown(() => topo.stop())
  inspectSuite(t, { http: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zk: topo.address })
})

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

function inspectSuite (t: Test, target: Target): void {
  const as = (): { env: Record<string, string> } => ({ env: { REDKEEPER_SERVER: target.http, REDKEEPER_TOKEN: TOKEN } })

  t.test('sessions: a client\'s session with its ephemeral and watch', async (t) => {
    const c = await ZkClient.connect(target.zk, { timeout: 10_000 })
    t.teardown(() => c.destroy())
    t.equal((await c.request({ type: OpCode.create, path: '/inspect-eph', data: Buffer.from('x'), acl: OPEN, flags: 1 } as never)).err, Err.OK)
    t.equal((await c.request({ type: OpCode.getData, path: '/inspect-eph', watch: true } as never)).err, Err.OK)

    const sup = ['--user', `super:${SUPER_PASSWORD}`]
    const denied = await rk(['sessions'], as())
    t.equal(denied.code, 1)
    t.match(denied.stderr, /^NOAUTH: /, 'other sessions\' state is for super only')
    const [r, human] = await Promise.all([rk(['sessions', '--json', ...sup], as()), rk(['sessions', ...sup], as())])
    t.equal(r.code, 0)
    const doc = json(r) as { sessions: Array<{ id: string, timeout: number, ephemerals: number, watches: number }>, truncated: boolean }
    t.equal(doc.truncated, false)
    const mine = doc.sessions.find((s) => BigInt(s.id) === c.sessionIdBig)
    t.ok(mine, 'the client\'s session is listed')
    t.equal(mine?.ephemerals, 1)
    t.ok((mine?.watches ?? 0) >= 1, 'its data watch counts')
    t.equal(mine?.timeout, c.negotiatedTimeout)

    t.equal(human.code, 0)
    const lines = human.stdout.trimEnd().split('\n')
    t.match(lines[0], /^ID\s+TIMEOUT\s+EXPIRES\s+EPHEMERALS\s+WATCHES$/)
    t.ok(lines.some((l) => l.startsWith(mine?.id ?? '?') && /\s1\s+[1-9]\d*$/.test(l)), 'a row for the session: 1 ephemeral, its watches')

    const id = mine?.id ?? '0x0'
    const [one, oneJson, none] = await Promise.all([rk(['sessions', id, ...sup], as()), rk(['sessions', id, '--json', ...sup], as()), rk(['sessions', '0xdead', ...sup], as())])
    t.equal(one.code, 0)
    t.match(one.stdout, new RegExp(`^session:\\s+${id}\n`))
    t.match(one.stdout, /\nephemerals:\s+1\n  \/inspect-eph\n/)
    t.same(json(oneJson).ephemerals, ['/inspect-eph'])
    t.same(json(oneJson).watches.data, ['/inspect-eph'])
    t.equal(none.code, 1)
    t.match(none.stderr, /^NOSESSION: /)
  })

  t.test('hbase status: a missing parent, and a bare one', async (t) => {
    let r = await rk(['hbase', 'status', '--parent', '/no-hbase'], as())
    t.same([r.code, r.stdout], [0, 'no HBase znodes under /no-hbase\n'])
    r = await rk(['hbase', 'status', '--parent', '/no-hbase', '--json'], as())
    t.same([json(r).parent, json(r).exists], ['/no-hbase', false])

    t.equal((await rk(['create', '/hbase'], as())).code, 0)
    t.equal((await rk(['create', '/hbase/running', 'not a protobuf'], as())).code, 0)
    const [human, js] = await Promise.all([rk(['hbase', 'status'], as()), rk(['hbase', 'status', '--json'], as())])
    t.equal(human.code, 0)
    t.match(human.stdout, /^parent:\s+\/hbase\n/)
    t.match(human.stdout, /\ncluster up:\s+yes/)
    t.match(human.stdout, /\nactive master:\s+-\n/)
    t.match(human.stdout, /\nregion servers:\s+0\n/)
    const doc = json(js)
    t.same([doc.parent, doc.exists, doc.clusterUp, doc.activeMaster, doc.regionServers], ['/hbase', true, true, null, []])

    r = await rk(['hbase'], as())
    t.same([r.code, r.stderr], [2, 'redkeeper: missing subcommand (hbase status)\n'])
  })
}
