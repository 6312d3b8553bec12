import t from 'tap'
import { CONTAINER_OWNER, MAX_TTL, NodeClass, classify, ttlOf, ttlOwner, type ZNode } from '../../src/engine'

const node = (ephemeralOwner: number): ZNode => ({
  czxid: 1, mzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
  ephemeralOwner, dataLength: 0, numChildren: 0, pzxid: 1, data: null, acl: []
})

t.test('classify: containers, TTL nodes, everything else', async (t) => {
  t.equal(classify('/c', node(CONTAINER_OWNER)), NodeClass.UnusedContainer, 'never had a child')
  t.equal(classify('/c', { ...node(CONTAINER_OWNER), cversion: 1 }), NodeClass.Container)
  t.equal(classify('/t', node(ttlOwner(1))), NodeClass.TTL)
  t.equal(classify('/t', node(ttlOwner(MAX_TTL))), NodeClass.TTL)
  t.equal(classify('/p', node(0)), NodeClass.None)
  t.equal(classify('/e', node(0x1234)), NodeClass.None, 'ephemerals belong to sessions, not to an index')
  t.equal(classify('/e', node(2 ** 53 - 1)), NodeClass.None)
  t.equal(classify('/c', { ...node(CONTAINER_OWNER), cversion: 1, numChildren: 1 }), NodeClass.None, 'only childless containers and TTL nodes are indexed: the sweep\'s candidates')
  t.equal(classify('/t', { ...node(ttlOwner(5)), numChildren: 3 }), NodeClass.None)
  t.equal(classify('/zookeeper/quota/a/zookeeper_limits', node(0)), NodeClass.QuotaLimits)
})

t.test('ttl owners are exact; the older -2^56 + ttl form still reads', async (t) => {
  for (const ttl of [1, 7, 1000, 123456789, MAX_TTL]) t.equal(ttlOf(ttlOwner(ttl)), ttl)
  // what earlier builds stored (0xFF00000000000000 | ttl as a double: rounded to 8 or 16)
  t.equal(ttlOf(-72057594037927936 + 5000), 5000)
  t.equal(classify('/old', node(-72057594037927936 + 5000)), NodeClass.TTL)
  t.equal(ttlOf(CONTAINER_OWNER), 0)
  t.equal(ttlOf(0), 0)
  t.equal(ttlOf(42), 0)
})
