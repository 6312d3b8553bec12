// decodeHBaseZnode on bytes written by real HBase 2.5.10 (fixtures captured
// from a live cluster on ZooKeeper 3.8), checked against what HBase's own
// Admin API reported for that cluster and the ports its JVMs listened on.
import t from 'tap'
import { decodeHBaseZnode, type HBaseView } from '../../src/hbase'
import { loadFixture, portOf, rel, znode, type Fixture } from './fixtures'

const live = loadFixture('live')
const stopped = loadFixture('stopped')

function decode<K extends HBaseView['kind']> (f: Fixture, relPath: string, kind: K): HBaseView & { kind: K } {
  const v = decodeHBaseZnode(relPath, znode(f, relPath).data)
  if (v.kind !== kind) throw new Error(`${relPath}: ${v.kind} ${JSON.stringify(v)}`)
  return v as HBaseView & { kind: K }
}
const children = (f: Fixture, dir: string): string[] =>
  f.znodes.map((z) => rel(z.path)).filter((p) => p.startsWith(dir + '/') && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1))

t.test('every captured znode decodes to a known view', async (t) => {
  for (const f of [live, stopped]) {
    const kinds = new Set<string>()
    for (const z of f.znodes) {
      const v = decodeHBaseZnode(rel(z.path), z.data)
      kinds.add(v.kind)
      t.notOk(v.kind === 'invalid' || v.kind === 'unknown', `${f.stage} ${z.path}: ${v.kind}`, { view: v })
      t.equal(v.path, rel(z.path))
      // Every non-empty value carried RecoverableZooKeeper's header naming its writer.
      if (z.data !== null && z.data.length > 0) t.match(v.writer?.id, /^(master|regionserver):\d+$/, `${z.path} writer`)
    }
    t.ok(f.znodes.length > 30, `${f.stage}: ${f.znodes.length} znodes`)
    const expected = ['directory', 'cluster-id', 'meta-region-server', 'balancer', 'normalizer', 'split', 'merge', 'snapshot-cleanup', 'replication-peer', 'replication-peer-state', 'replication-wal-position', 'table-state', 'namespace']
    // Ephemerals, /running and draining/ go with a clean shutdown; WAL queues stay (persistent).
    if (f.stage === 'live') expected.push('master', 'backup-master', 'region-server', 'draining', 'running')
    t.strictSame([...kinds].filter((k) => !expected.includes(k)), [], `${f.stage}: no unexpected kinds`)
    t.strictSame(expected.filter((k) => !kinds.has(k)), [], `${f.stage}: every expected kind seen`)
  }
})

t.test('active master and backup master', async (t) => {
  const m = decode(live, 'master', 'master')
  t.equal(m.server.name, live.facts.master)
  t.equal(m.server.host, 'localhost')
  t.equal(m.server.port, live.ports.master1)
  t.equal(m.writer?.id, `master:${live.ports.master1}`)
  t.equal(m.infoPort, -1, 'hbase.master.info.port=-1 (written as an int into a uint32 field)')
  t.equal(m.rpcVersion, 0)
  t.equal(new Date(m.server.startedAt ?? '').getTime(), m.server.startCode)
  t.equal(znode(live, 'master').ephemeral, true)

  const names = children(live, 'backup-masters')
  t.strictSame(names, live.facts.backupMasters)
  const b = decode(live, `backup-masters/${names[0]}`, 'backup-master')
  t.equal(b.server.name, names[0], 'the ServerName in the data is the one in the znode name')
  t.strictSame(b.znodeServer, b.server)
  t.equal(b.server.port, live.ports.master2)
  t.equal(b.writer?.id, `master:${live.ports.master2}`)
  t.notOk(stopped.znodes.some((z) => rel(z.path) === 'master'), 'a clean shutdown removes /hbase/master')
})

t.test('region servers', async (t) => {
  const names = children(live, 'rs')
  t.strictSame(names.slice().sort(), live.facts.liveServers.slice().sort())
  t.strictSame(names.map(portOf).sort(), [live.ports.rs1, live.ports.rs2].sort())
  for (const n of names) {
    const v = decode(live, `rs/${n}`, 'region-server')
    t.equal(v.server?.name, n)
    t.equal(v.writer?.id, `regionserver:${portOf(n)}`)
    t.equal(v.infoPort, -1)
    t.equal(v.versionInfo?.version, live.facts.hbaseVersion)
    t.equal(v.versionInfo?.versionMajor, 2)
    t.equal(v.versionInfo?.versionMinor, 5)
    t.match(v.versionInfo?.revision, /^[0-9a-f]{40}$/)
    t.equal(znode(live, `rs/${n}`).ephemeral, true)
  }
  const drained = children(live, 'draining')
  t.strictSame(drained, live.facts.decommissioned)
  t.equal(decode(live, `draining/${drained[0]}`, 'draining').server?.name, live.facts.decommissioned[0])
})

t.test('meta location, cluster id, running', async (t) => {
  for (const f of [live, stopped]) {
    const meta = decode(f, 'meta-region-server', 'meta-region-server')
    t.equal(meta.server.name, live.facts.meta, `${f.stage}: meta location`)
    t.equal(meta.state, 'OPEN')
    t.equal(meta.replicaId, 0)
    t.equal(decode(f, 'hbaseid', 'cluster-id').clusterId, live.facts.clusterId, `${f.stage}: cluster id`)
  }
  const r = decode(live, 'running', 'running')
  // java.util.Date.toString() in the master's JVM, at start (within a minute of the master's start code).
  const started = decode(live, 'master', 'master').server.startCode
  t.ok(Math.abs(Date.parse(r.startDate) - started) < 60_000, `startDate ${r.startDate}`)
  t.notOk(stopped.znodes.some((z) => rel(z.path) === 'running'), 'a clean shutdown removes /hbase/running')
})

t.test('switches, as HBase Admin reported them', async (t) => {
  for (const f of [live, stopped]) {
    t.equal(decode(f, 'balancer', 'balancer').enabled, live.facts.balancer)
    t.equal(decode(f, 'normalizer', 'normalizer').enabled, live.facts.normalizer)
    t.equal(decode(f, 'switch/split', 'split').enabled, live.facts.split)
    t.equal(decode(f, 'switch/merge', 'merge').enabled, live.facts.merge)
    t.equal(decode(f, 'snapshot-cleanup', 'snapshot-cleanup').enabled, live.facts.snapshotCleanup)
  }
  // Every switch was flipped away from its default; otherwise this proves little.
  t.strictSame([live.facts.balancer, live.facts.normalizer, live.facts.split, live.facts.merge, live.facts.snapshotCleanup], [false, true, false, false, false])
})

t.test('replication peers and queues', async (t) => {
  t.strictSame(children(live, 'replication/peers'), live.facts.peers.map((p) => p.id))
  for (const fact of live.facts.peers) {
    const p = decode(live, `replication/peers/${fact.id}`, 'replication-peer')
    t.equal(p.peerId, fact.id)
    t.equal(p.clusterKey, fact.clusterKey)
    t.equal(p.serial, fact.serial)
    t.equal(p.bandwidth, fact.bandwidth)
    t.equal(p.replicateAll, fact.replicateAllUserTables)
    const s = decode(live, `replication/peers/${fact.id}/peer-state`, 'replication-peer-state')
    t.equal(s.enabled, fact.enabled)
    t.equal(s.state, fact.enabled ? 'ENABLED' : 'DISABLED')
  }
  t.strictSame(decode(live, 'replication/peers/1', 'replication-peer').tableCfs, [{ table: 'rk_capture', families: ['f'] }])

  const queues = live.znodes.map((z) => rel(z.path)).filter((p) => p.split('/').length === 5 && p.startsWith('replication/rs/'))
  t.ok(queues.length >= 2, `${queues.length} WAL queue entries`)
  for (const q of queues) {
    const v = decode(live, q, 'replication-wal-position')
    t.ok(live.facts.liveServers.includes(v.queueOwner?.name ?? ''), `${q} owner`)
    t.ok(['1', '2'].includes(v.queueId))
    t.ok(v.wal.startsWith(encodeURIComponent(v.queueOwner?.name ?? '')), `${q}: the WAL is the owner's`)
    t.ok(Number.isSafeInteger(v.position) && v.position >= 0)
  }
  t.ok(queues.some((q) => decode(live, q, 'replication-wal-position').position > 0), 'the enabled peer shipped something')
})

t.test('tables and namespaces (the 2.x mirrors)', async (t) => {
  t.strictSame(children(live, 'table').map((n) => decode(live, `table/${n}`, 'table-state')).map((v) => `${v.table}=${v.state}`),
    ['hbase:meta=ENABLED', 'hbase:namespace=ENABLED', 'rk_capture=ENABLED'])
  t.strictSame(children(live, 'namespace').map((n) => decode(live, `namespace/${n}`, 'namespace').namespace), ['default', 'hbase'])
})

t.test('path forms', async (t) => {
  const data = znode(live, 'master').data
  for (const p of ['master', '/master', 'master/', '//master//']) t.equal(decodeHBaseZnode(p, data).kind, 'master', p)
  t.equal(decodeHBaseZnode('', null).kind, 'directory', 'the parent itself')
  t.equal(decodeHBaseZnode('meta-region-server-2', znode(live, 'meta-region-server').data).kind, 'meta-region-server')
  t.equal((decodeHBaseZnode('meta-region-server-2', znode(live, 'meta-region-server').data) as { replicaId: number }).replicaId, 2)
})
