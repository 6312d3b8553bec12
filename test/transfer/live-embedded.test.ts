import t from 'tap'
import { startRedkeeper } from '../support/redkeeper'
import { startZooKeeper } from '../support/zookeeper'
import { ADMIN_AUTH, cli, differences, liveImport, withoutEphemerals } from './helpers'

// A live import from a running Apache ZooKeeper 3.8.0 into redkeeper
// embedded: 10,000 znodes (HBase-like, wide, deep, digest-protected,
// sequential, ephemeral), verified by walking both trees.

t.setTimeout(120_000)

t.test('10,000 znodes from a live ZooKeeper 3.8 into redkeeper embedded', async (t) => {
  const [zk, rk] = await Promise.all([startZooKeeper(), startRedkeeper()])
  t.teardown(async () => { await Promise.all([zk.stop(), rk.destroy()]) })

  const { run, seconds, source, copy, built } = await liveImport(zk.address, rk.address, 10_000)
  t.teardown(async () => { await built.client.close().catch(() => {}) })
  t.equal(run.code, 0, `import exits 0 (${run.stderr})`)
  t.comment(`live import of ${built.znodes} znodes from ZooKeeper 3.8.0 into redkeeper embedded: ${seconds.toFixed(2)} s (${run.stderr.trim().split('\n').pop() ?? ''})`)
  t.equal(built.znodes, 10_000)
  t.equal(source.size, 10_001, 'the source holds 10,000 znodes and the root')
  const expected = withoutEphemerals(source)
  t.equal(copy.size, expected.size, `${expected.size} znodes on the target (${built.ephemerals} ephemerals left out)`)
  t.same(differences(expected, copy), [], 'node for node: data, ACL, children')
  t.same(differences(copy, expected), [])

  // Without the digest identity the reader cannot copy the protected part: it says so, in one line.
  const masked = await cli(['export', '--server', zk.address, '--file', '-', '--quiet'])
  t.equal(masked.code, 1, 'an export that can read a znode but not its full ACL fails')
  t.match(masked.stderr, /^redkeeper: getACL \/secure on 127\.0\.0\.1:\d+: the digest ids come back masked \("user:x"\) because the reader lacks ADMIN on it \(pass --auth digest:user:password[^\n]*\)\n$/)
  const denied = await cli(['export', '--server', `${zk.address}/secure/s0`, '--file', '-', '--quiet'])
  t.equal(denied.code, 1, 'an export that meets an unreadable znode fails')
  t.match(denied.stderr, /^redkeeper: get(Data|ACL|Children) \/secure\/s0 on 127\.0\.0\.1:\d+: NOAUTH: the reader may not read this znode \(pass --auth digest:user:password[^\n]*\)\n$/)
  t.equal(denied.stdout.split('\n')[0].startsWith('{"format":"redkeeper-tree"'), true, 'the header had gone out')
  t.notMatch(denied.stdout, /"end":true/, 'but no end line: the partial dump cannot be imported')

  const ok = await cli(['export', '--server', zk.address, '--file', '-', '--quiet', '--auth', ADMIN_AUTH])
  t.equal(ok.code, 0, ok.stderr)
  t.equal(ok.stdout.trimEnd().split('\n').length, 10_003, '--file - writes the dump to stdout: header, 10,001 znodes, end line')
})
