// ACLs and authentication against real ZooKeeper 3.8 and redkeeper (embedded
// and behind a sidecar and one node), all configured alike: a superDigest, a
// JAAS Server section with DIGEST-MD5 users, zookeeper.superUser. The same
// scenario runs everywhere; ZooKeeper's transcript is the expectation.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Err } from '../../src/engine/codes'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { startTopology, type Topology } from '../support/topology'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'
import { aclScenario, saslBadInput, serverJaas, SUPER_DIGEST, type Step } from './scenario'
import { saslLogin } from './sasl'

const dir = mkdtempSync(join(tmpdir(), 'rk-acl-'))
const jaasFile = join(dir, 'server.jaas')
writeFileSync(jaasFile, serverJaas())
const redkeeperArgs = ['--super-digest', SUPER_DIGEST, '--sasl-users', jaasFile, '--sasl-super-user', 'super']

let zk: ZooKeeperHandle | undefined
let rk: RedkeeperHandle | undefined
let topo: Topology | undefined
let expected: Step[] = []
let expectedSasl: Step[] = []

t.before(async () => {
  ;[zk, rk, topo] = await Promise.all([
    startZooKeeper({
      jvmFlags: [
        `-Dzookeeper.DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}`,
        '-Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
        '-Dzookeeper.superUser=super',
        `-Djava.security.auth.login.config=${jaasFile}`
      ]
    }),
    startRedkeeper({ args: redkeeperArgs }),
    startTopology('node1', { node: { args: redkeeperArgs } })
  ])
  expected = await aclScenario(zk.address, '/acl-zk')
  expectedSasl = await saslBadInput(zk.address)
})
t.teardown(async () => {
  await Promise.all([zk?.stop(), rk?.destroy(), topo?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

function step (steps: Step[], name: string): Step {
  const s = steps.find((x) => x.step === name)
  if (s === undefined) throw new Error(`no step '${name}'`)
  return s
}

t.test('ZooKeeper itself behaves as the scenario claims', async (t) => {
  t.equal(step(expected, 'other reads digest-only').err, Err.NOAUTH)
  t.equal(step(expected, 'super reads digest-only').err, Err.OK)
  t.equal(step(expected, 'wrong super reads digest-only').err, Err.NOAUTH)
  t.equal(step(expected, 'ip 127/8 read').err, Err.OK)
  t.equal(step(expected, 'ip 10/8 read').err, Err.NOAUTH)
  t.equal(step(expected, 'create ip /33').err, Err.INVALIDACL)
  t.equal(step(expected, 'auth ACL without identity').err, Err.INVALIDACL)
  t.equal(step(expected, 'addauth unknown scheme').err, Err.AUTHFAILED)
  // ZooKeeper keeps identities in a hash set: this order is its hash order
  t.same(step(expected, 'whoAmI after addauth').body, [{ authScheme: 'digest', user: 'alice' }, { authScheme: 'ip', user: '127.0.0.1' }])
})

for (const target of ['embedded', 'node1'] as const) {
  t.test(`${target}: the ACL scenario answers as ZooKeeper does`, async (t) => {
    const address = target === 'embedded' ? rk?.address : topo?.address
    if (address === undefined) throw new Error(`${target} did not start`)
    const got = await aclScenario(address, `/acl-${target}`)
    t.equal(got.length, expected.length, 'same number of steps')
    for (let i = 0; i < expected.length; i++) t.same(got[i], expected[i], expected[i]?.step)
  })

  t.test(`${target}: bad SASL tokens get ZooKeeper's answers`, async (t) => {
    const address = target === 'embedded' ? rk?.address : topo?.address
    if (address === undefined) throw new Error(`${target} did not start`)
    t.same(await saslBadInput(address), expectedSasl)
  })
}

t.test('SASL DIGEST-MD5 login from the Java client (zkCli)', async (t) => {
  const targets: Array<[string, () => string | undefined]> = [
    ['zookeeper', () => zk?.address],
    ['embedded', () => rk?.address],
    ['node1', () => topo?.address]
  ]
  const results = new Map<string, Awaited<ReturnType<typeof saslLogin>>>()
  for (const [name, addr] of targets) {
    const a = addr()
    if (a === undefined) throw new Error(`${name} did not start`)
    results.set(name, await saslLogin(a, dir, name))
  }
  const z = results.get('zookeeper')
  if (z === undefined) throw new Error('no ZooKeeper result')
  t.match(z.bob, /sasl\s*:\s*bob/, 'ZooKeeper: bob is a sasl identity')
  t.match(z.superUser, /super/, 'ZooKeeper: the SASL super user is super')
  t.notMatch(z.wrong, /sasl\s*:\s*bob/, 'ZooKeeper: a wrong password gains nothing')
  for (const name of ['embedded', 'node1']) {
    const r = results.get(name)
    t.same(r, z, `${name}: zkCli prints what it prints against ZooKeeper`)
  }
})
