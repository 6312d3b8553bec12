import t from 'tap'
import {
  kindOf, parseBodyLine, parseHeader, parseTarget, sequentialSuffix, znodeLine, TransferError, type ZnodeRecord
} from '../../src/transfer'

// The pure pieces of the dump format and the address syntax.

const stat = { czxid: '0x1', mzxid: '0x2', pzxid: '0x3', ctime: 1, mtime: 2, version: 3, cversion: 4, aversion: 5, ephemeralOwner: '0x0', dataLength: 0, numChildren: 0 }

t.test('ephemeralOwner decides the kind, as ZooKeeper\'s EphemeralType does', async (t) => {
  t.same(kindOf(0n), { kind: 'persistent' })
  t.same(kindOf(-(2n ** 63n)), { kind: 'container' })
  t.same(kindOf(BigInt.asIntN(64, 0xff00000000000000n | 60000n)), { kind: 'ttl', ttl: 60000 })
  t.same(kindOf(0x100a8f1c2d50000n), { kind: 'ephemeral' })
})

t.test('a znode line reads back as written; null and empty data stay distinct', async (t) => {
  for (const data of [null, Buffer.alloc(0), Buffer.from([0, 255, 10, 13])]) {
    const rec: ZnodeRecord = { path: '/a/b', data, acl: [{ perms: 31, id: { scheme: 'digest', id: 'u:abc=' } }], kind: 'persistent', stat }
    const line = znodeLine(rec)
    t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line')
    t.same(parseBodyLine(line.trimEnd()), rec)
  }
  const eph = znodeLine({ path: '/e', data: null, acl: [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }], kind: 'ephemeral', stat: { ...stat, ephemeralOwner: '0xff00000000000001' } })
  t.match(JSON.parse(eph), { kind: 'ephemeral', ephemeral: true })
})

t.test('bad lines are refused with a reason', async (t) => {
  const ok = JSON.parse(znodeLine({ path: '/a', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], kind: 'persistent', stat })) as Record<string, unknown>
  const bad = (patch: Record<string, unknown>, reason: RegExp): void => {
    t.throws(() => parseBodyLine(JSON.stringify({ ...ok, ...patch })), reason)
  }
  bad({ path: 'a' }, /not a znode path/)
  bad({ path: '/a/' }, /not a znode path/)
  bad({ data: 'a b' }, /"data" must be null or base64/)
  bad({ data: 5 }, /"data" must be null or base64/)
  bad({ acl: [] }, /"acl" must be a non-empty list/)
  bad({ acl: [{ perms: 64, scheme: 'world', id: 'anyone' }] }, /perms 64 out of range/)
  bad({ kind: 'sequential' }, /"kind" must be one of/)
  bad({ stat: { ...stat, czxid: 12 } }, /"czxid" must be a string/)
  t.throws(() => parseBodyLine('[1]'), { name: 'LineError', message: 'not a JSON object' })
  t.throws(() => parseHeader('{"format":"redkeeper-tree","version":"1"}'), /unknown dump version "1"/)
  t.throws(() => parseHeader('{"format":"other","version":1}'), /not a redkeeper dump/)
})

t.test('sequential-looking names count only below the parent\'s creation count', async (t) => {
  t.equal(sequentialSuffix('lock-0000000041', 42), 41)
  t.equal(sequentialSuffix('lock-0000000042', 42), undefined, 'not yet handed out by that parent')
  t.equal(sequentialSuffix('1588230740', 3), undefined, 'HBase\'s meta region under a young parent')
  t.equal(sequentialSuffix('item-12', 100), undefined, 'fewer than ten digits')
})

t.test('addresses: zk:// optional, chroot optional', async (t) => {
  t.same(parseTarget('zk://127.0.0.1:2181/hbase/'), { hostPort: '127.0.0.1:2181', chroot: '/hbase' })
  t.same(parseTarget('zk1.example.com:2181'), { hostPort: 'zk1.example.com:2181', chroot: '/' })
  t.same(parseTarget('[::1]:2181/a'), { hostPort: '[::1]:2181', chroot: '/a' })
  for (const bad of ['', 'host', ':2181', 'host:0x1', 'host:70000', 'http://h:1', 'h:1//a']) {
    t.throws(() => parseTarget(bad), TransferError, bad)
  }
})
