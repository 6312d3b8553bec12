import t from 'tap'
import { startTopology } from '../support/topology'
import { startZooKeeper } from '../support/zookeeper'
import { differences, liveImport, withoutEphemerals } from './helpers'

// A live import from a running Apache ZooKeeper 3.8.0 into the distributed
// topology (sidecar → node → Redis): 10,000 znodes, verified by walking
// both trees.

t.setTimeout(120_000)

t.test('10,000 znodes from a live ZooKeeper 3.8 into node1 (sidecar → node → Redis)', async (t) => {
  const [zk, topo] = await Promise.all([startZooKeeper(), startTopology('node1')])
  t.teardown(async () => { await Promise.all([zk.stop(), topo.stop()]) })

  const { run, seconds, source, copy, built } = await liveImport(zk.address, topo.address, 10_000)
  t.teardown(async () => { await built.client.close().catch(() => {}) })
  t.equal(run.code, 0, `import exits 0 (${run.stderr})`)
  t.comment(`live import of ${built.znodes} znodes from ZooKeeper 3.8.0 into node1: ${seconds.toFixed(2)} s (${run.stderr.trim().split('\n').pop() ?? ''})`)
  t.equal(source.size, 10_001, 'the source holds 10,000 znodes and the root')
  const expected = withoutEphemerals(source)
  t.equal(copy.size, expected.size, `${expected.size} znodes on the target`)
  t.same(differences(expected, copy), [], 'node for node: data, ACL, children')
  t.same(differences(copy, expected), [])
})
