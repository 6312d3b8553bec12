// summarizeHBase over a real tree: the captured HBase znodes are loaded into
// a running redkeeper (embedded, real process) with their exact bytes and
// modes, then summarised through the ZkClient adapter. The expectations are
// what HBase's Admin API reported about the cluster the bytes came from.
import t from 'tap'
import { CreateFlag, Err, OpCode, Perm } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { summarizeHBase, zkClientReader } from '../../src/hbase'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { loadFixture, portOf, type Fixture } from './fixtures'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
// Readable only by a digest identity nobody in this test has: reads get NOAUTH.
const LOCKED = [{ perms: Perm.ALL, id: { scheme: 'digest', id: 'someone:aGFzaA==' } }]

const live = loadFixture('live')
const stopped = loadFixture('stopped')

let rk: RedkeeperHandle
let loader: ZkClient
let reader: ZkClient
t.before(async () => {
  rk = await startRedkeeper()
  loader = await ZkClient.connect(rk.address, { timeout: 30_000 })
  reader = await ZkClient.connect(rk.address, { timeout: 30_000 })
})
t.teardown(async () => {
  await loader.close().catch(() => {})
  await reader.close().catch(() => {})
  await rk.destroy()
})

/** Creates every fixture znode (parents come first in a capture) under `parent` instead of /hbase. */
async function load (f: Fixture, parent: string, locked: Set<string> = new Set()): Promise<void> {
  const segments = parent.split('/').filter((s) => s !== '')
  for (let i = 1; i < segments.length; i++) {
    await loader.request({ type: OpCode.create, path: '/' + segments.slice(0, i).join('/'), data: null, dataLength: -1, acl: OPEN, flags: 0 })
  }
  for (const z of f.znodes) {
    const path = parent + z.path.slice('/hbase'.length)
    const r = await loader.request({
      type: OpCode.create,
      path,
      data: z.data,
      dataLength: z.data === null ? -1 : z.data.length,
      acl: locked.has(path) ? LOCKED : OPEN,
      flags: z.ephemeral ? CreateFlag.EPHEMERAL : 0
    })
    if (r.err !== Err.OK) throw new Error(`create ${path}: ${r.err}`)
  }
}

t.test('the live cluster, as HBase described itself', async (t) => {
  await load(live, '/hbase')
  const s = await summarizeHBase(zkClientReader(reader))
  const { facts, ports } = live
  t.equal(s.parent, '/hbase')
  t.equal(s.exists, true)
  t.strictSame(s.problems, [])
  t.equal(s.clusterId, facts.clusterId)
  t.equal(s.clusterUp, true)
  t.match(s.startDate, /\d\d:\d\d:\d\d/)
  t.equal(s.activeMaster?.server.name, facts.master)
  t.equal(s.activeMaster?.server.port, ports.master1)
  t.strictSame(s.backupMasters.map((b) => b.server.name), facts.backupMasters)
  t.equal(s.backupMasters[0].server.port, ports.master2)
  t.strictSame(s.regionServers.map((r) => r.server?.name).sort(), facts.liveServers.slice().sort())
  t.strictSame(s.regionServers.map((r) => r.server?.port).sort(), [ports.rs1, ports.rs2].sort())
  t.strictSame(s.regionServers.filter((r) => r.draining).map((r) => r.znode), facts.decommissioned)
  t.ok(s.regionServers.every((r) => r.version?.version === facts.hbaseVersion))
  t.strictSame(s.draining.map((d) => d.name), facts.decommissioned)
  t.strictSame(s.meta.map((m) => [m.replicaId, m.server.name, m.state, m.onLiveServer]), [[0, facts.meta, 'OPEN', true]])
  t.strictSame(s.switches, {
    balancer: { enabled: facts.balancer, znode: true },
    normalizer: { enabled: facts.normalizer, znode: true },
    split: { enabled: facts.split, znode: true },
    merge: { enabled: facts.merge, znode: true },
    snapshotCleanup: { enabled: facts.snapshotCleanup, znode: true }
  })
  t.strictSame(s.replicationPeers.map((p) => ({ id: p.peerId, enabled: p.enabled, clusterKey: p.clusterKey, serial: p.serial, bandwidth: p.bandwidth, replicateAllUserTables: p.replicateAll })), facts.peers)
  t.strictSame(s.tables, [{ table: 'hbase:meta', state: 'ENABLED' }, { table: 'hbase:namespace', state: 'ENABLED' }, { table: 'rk_capture', state: 'ENABLED' }])
  t.strictSame(s.namespaces, ['default', 'hbase'])
  t.equal(portOf(s.meta[0].server.name), s.meta[0].server.port)
})

t.test('the HBase processes\' sessions end: ephemerals go, the rest stays', async (t) => {
  await loader.close()
  const s = await summarizeHBase(zkClientReader(reader))
  t.equal(s.activeMaster, null)
  t.strictSame(s.backupMasters, [])
  t.strictSame(s.regionServers, [])
  t.equal(s.clusterUp, true, '/running is persistent: a crashed cluster still says up')
  t.equal(s.clusterId, live.facts.clusterId)
  t.strictSame(s.meta.map((m) => [m.server.name, m.onLiveServer]), [[live.facts.meta, false]], 'meta points at a server with no /rs znode')
  t.strictSame(s.draining.map((d) => d.name), live.facts.decommissioned)
  t.strictSame(s.problems, [])
  loader = await ZkClient.connect(rk.address, { timeout: 30_000 })
})

t.test('another parent, a cleanly stopped cluster, an unreadable znode', async (t) => {
  const parent = '/clusters/two'
  await load(stopped, parent, new Set([`${parent}/hbaseid`, `${parent}/replication/peers/2/peer-state`]))
  const s = await summarizeHBase(zkClientReader(reader), parent + '/')
  t.equal(s.parent, parent)
  t.equal(s.exists, true)
  t.equal(s.clusterUp, false)
  t.equal(s.startDate, null)
  t.equal(s.activeMaster, null)
  t.strictSame(s.regionServers, [])
  t.equal(s.clusterId, null)
  t.strictSame(s.replicationPeers.map((p) => [p.peerId, p.enabled]), [['1', true], ['2', null]])
  t.strictSame(s.problems.map((p) => [p.path, p.kind]).sort(), [[`${parent}/hbaseid`, 'unreadable'], [`${parent}/replication/peers/2/peer-state`, 'unreadable']])
  t.match(s.problems[0].reason, /NOAUTH/)
  t.equal(s.meta[0].server.name, live.facts.meta)
})

t.test('no HBase at all; switches default to on', async (t) => {
  const s = await summarizeHBase(zkClientReader(reader), '/nothing-here')
  t.equal(s.exists, false)
  t.equal(s.clusterId, null)
  t.equal(s.activeMaster, null)
  t.strictSame(s.meta, [])
  t.strictSame(s.replicationPeers, [])
  t.strictSame(s.problems, [])
  t.strictSame(Object.values(s.switches), Array(5).fill({ enabled: true, znode: false }), 'HBase\'s trackers read an absent switch znode as on')
})

t.test('garbled znodes are reported, the rest still summarised', async (t) => {
  const parent = '/clusters/garbled'
  await load(stopped, parent)
  const set = async (rel: string, data: Buffer): Promise<void> => {
    const r = await loader.request({ type: OpCode.setData, path: `${parent}/${rel}`, data, dataLength: data.length, version: -1 })
    t.equal(r.err, Err.OK)
  }
  await set('balancer', Buffer.from('PBUF\x08'))
  await set('meta-region-server', Buffer.from([0xff, 0, 0, 0, 99, 1]))
  const s = await summarizeHBase(zkClientReader(reader), parent)
  t.strictSame(s.switches.balancer, { enabled: false, znode: true }, 'undecodable: off, as HBase decides "to be safe"')
  t.strictSame(s.meta, [])
  t.strictSame(s.problems.map((p) => [p.path, p.kind]).sort(), [[`${parent}/balancer`, 'invalid'], [`${parent}/meta-region-server`, 'invalid']])
  t.equal(s.clusterId, live.facts.clusterId)
})
