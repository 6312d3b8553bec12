// A client connection's identities survive the loss of the node serving it
// (sidecar → HAProxy → 3 nodes → Redis): the node keeps them in Redis for
// that client connection and the one it RESUMEs on restores them. A SASL
// login cannot be replayed, so without that it would be lost. They belong to
// the connection, as in ZooKeeper: a new connection to the same session
// (session id + password, i.e. a session move) starts without them.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import type { ACL } from '../../src/engine/types'
import { SASL_USERS, serverJaas, SUPER_DIGEST, SUPER_PASSWORD } from '../acl/scenario'
import { digestId } from '../../src/server/auth'
import { startTopology, type NodeHandle, type Topology } from '../support/topology'
import { clientJaas } from '../acl/scenario'
import { SaslZkCli, saslLogin, servingNode, whoAmI } from './identity-clients'

const dir = mkdtempSync(join(tmpdir(), 'rk-ident-'))
const jaasFile = join(dir, 'server.jaas')
writeFileSync(jaasFile, serverJaas())
const args = ['--super-digest', SUPER_DIGEST, '--sasl-users', jaasFile, '--sasl-super-user', 'super']

const ALL = 31
const acl = (scheme: string, id: string): ACL[] => [{ perms: ALL, id: { scheme, id } }]
const ALICE = digestId('alice:alice-pw')

let topo: Topology
let admin: ZkClient

t.before(async () => {
  topo = await startTopology('lb3', { node: { args } })
  admin = await ZkClient.connect(topo.address)
  t.equal((await admin.request({ type: OpCode.create, path: '/id', data: null, dataLength: -1, acl: [{ perms: ALL, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).err, Err.OK)
  for (const [name, a] of [['sasl-bob', acl('sasl', 'bob')], ['digest-alice', acl('digest', ALICE)]] as const) {
    t.equal((await admin.request({ type: OpCode.create, path: `/id/${name}`, data: Buffer.from(name), dataLength: name.length, acl: a, flags: 0 })).err, Err.OK)
  }
})
t.teardown(async () => {
  admin?.destroy()
  await topo?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function read (c: ZkClient, path: string): Promise<number> {
  return (await c.request({ type: OpCode.getData, path, watch: false })).err
}

/** SIGKILLs the node serving `c`'s session; restarts it once `after` ran. */
async function killServing (c: ZkClient, after: () => Promise<void>): Promise<void> {
  const node: NodeHandle | undefined = await servingNode(topo.nodes, c.sessionId)
  if (node === undefined) throw new Error(`no node serves session 0x${c.sessionId.toString(16)}`)
  await node.kill9()
  try {
    await after()
  } finally {
    await node.restart()
  }
}

/** A second client attaching to `c`'s session (a session move): it must not inherit c's identities. */
async function moveSession (c: ZkClient): Promise<ZkClient> {
  return await ZkClient.connect(topo.address, { sessionId: c.sessionIdBig, passwd: c.passwd })
}

t.test('SASL: sasl:bob survives kill -9 of the node serving the connection; a session move does not get it', async (t) => {
  const bob = await ZkClient.connect(topo.address)
  t.teardown(() => bob.destroy())
  t.equal((await saslLogin(bob, 'bob', SASL_USERS.bob)).err, Err.OK, 'bob logs in')
  const before = await whoAmI(bob)
  t.same(before.slice().sort(), ['ip:127.0.0.1', 'sasl:bob'])
  t.equal(await read(bob, '/id/sasl-bob'), Err.OK, 'bob reads his znode')
  const session = bob.sessionId

  await killServing(bob, async () => {
    t.equal(await read(bob, '/id/sasl-bob'), Err.OK, 'the same connection still reads the sasl:bob znode')
    t.same(await whoAmI(bob), before, 'and whoAmI still lists sasl:bob (the same list)')
    t.equal(bob.sessionId, session, 'on the same session')
    t.notOk(bob.closed, 'without the client noticing')
    t.not(await servingNode(topo.nodes, session), undefined, 'now served by another node')
  })

  const moved = await moveSession(bob)
  t.teardown(() => moved.destroy())
  t.same(await whoAmI(moved), ['ip:127.0.0.1'], 'a new connection to the session has only its ip identity')
  t.equal(await read(moved, '/id/sasl-bob'), Err.NOAUTH, 'and cannot read the sasl:bob znode')
})

t.test('the stock Java client (zkCli.sh, JAAS): logged in as bob, it keeps sasl:bob through a failover', async (t) => {
  const jaas = join(dir, 'client-bob.jaas')
  writeFileSync(jaas, clientJaas('bob', SASL_USERS.bob))
  const cli = new SaslZkCli(topo.address, jaas)
  t.teardown(() => cli.quit())
  await cli.waitFor(/state:SaslAuthenticated/, 0, 30_000)
  t.match(await cli.run('whoami'), /sasl: bob/, 'zkCli is logged in as bob')
  // zkCli does not print its session id: its ephemeral's owner is it
  await cli.run('create -e /id/zkcli-eph x')
  const owner = await admin.request({ type: OpCode.exists, path: '/id/zkcli-eph', watch: false })
  const session = owner.body?.stat?.ephemeralOwner
  if (typeof session !== 'number' || session === 0) throw new Error('zkCli created no ephemeral')
  t.match(await cli.run('get /id/sasl-bob'), /^sasl-bob$/m)
  const node = await servingNode(topo.nodes, session)
  if (node === undefined) throw new Error('no node serves the zkCli session')
  await node.kill9()
  try {
    const read = await cli.run('get /id/sasl-bob')
    t.match(read, /^sasl-bob$/m, 'zkCli still reads the sasl:bob znode after kill -9 of its node')
    t.notMatch(read, /Insufficient permission|KeeperErrorCode/)
    t.match(await cli.run('whoami'), /sasl: bob/, 'and whoami still lists sasl: bob')
    t.notMatch(cli.transcript, /Disconnected|Expired/, 'zkCli saw no disconnect')
  } finally {
    await node.restart()
  }
})

t.test('SASL super user: sasl:super and super survive a failover', async (t) => {
  const su = await ZkClient.connect(topo.address)
  t.teardown(() => su.destroy())
  t.equal((await saslLogin(su, 'super', SASL_USERS.super)).err, Err.OK)
  const before = await whoAmI(su)
  t.same(before.slice().sort(), ['ip:127.0.0.1', 'sasl:super', 'super:'])
  await killServing(su, async () => {
    t.same(await whoAmI(su), before, 'the same identities, in the same order')
    t.equal(await read(su, '/id/digest-alice'), Err.OK, 'super reads a znode it has no ACL entry for')
  })
})

t.test('digest: addauth identities (and superDigest super) survive a failover; a session move does not get them', async (t) => {
  const alice = await ZkClient.connect(topo.address)
  t.teardown(() => alice.destroy())
  t.equal((await alice.auth('digest', Buffer.from('alice:alice-pw'))).err, Err.OK)
  t.equal((await alice.auth('digest', Buffer.from(`super:${SUPER_PASSWORD}`))).err, Err.OK)
  const before = await whoAmI(alice)
  t.same(before.slice().sort(), ['digest:alice', 'digest:super', 'ip:127.0.0.1', 'super:'])
  t.equal(await read(alice, '/id/digest-alice'), Err.OK)

  await killServing(alice, async () => {
    t.same(await whoAmI(alice), before, 'whoAmI lists the same identities after the failover')
    t.equal(await read(alice, '/id/digest-alice'), Err.OK, 'the digest:alice znode is still readable')
    t.equal(await read(alice, '/id/sasl-bob'), Err.OK, 'and so is bob\'s (super)')
    // identities gained after the failover are kept too
    t.equal((await alice.auth('digest', Buffer.from('carol:pw'))).err, Err.OK)
  })
  await killServing(alice, async () => {
    t.ok((await whoAmI(alice)).includes('digest:carol'), 'an identity gained on the second node survives a second failover')
  })

  const moved = await moveSession(alice)
  t.teardown(() => moved.destroy())
  t.same(await whoAmI(moved), ['ip:127.0.0.1'], 'a new connection to the session has only its ip identity')
  t.equal(await read(moved, '/id/digest-alice'), Err.NOAUTH)
})
