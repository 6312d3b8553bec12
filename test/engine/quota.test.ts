import t from 'tap'
import { MemoryStorage } from './memory-storage'
import { execute, initTree, createSession, OpCode, Err, type ACL, type Context, type SubRequest } from '../../src/engine'
import { formatStats, maxPrefix, parseStats, quotaTarget } from '../../src/engine/quota'

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

t.test('StatsTrack text: parse and format as ZooKeeper 3.8 does', async (t) => {
  t.equal(formatStats(parseStats('count=3,bytes=6')), 'count=3,bytes=6')
  t.equal(formatStats(parseStats('count=-1,bytes=2=;countHardLimit=3;byteHardLimit=-1')), 'count=-1,bytes=2=;byteHardLimit=-1;countHardLimit=3')
  t.equal(formatStats(parseStats('')), 'count=-1,bytes=-1', 'missing keys read as -1')
  t.equal(formatStats(parseStats('count=,bytes=7')), 'count=-1,bytes=7', 'an empty value is -1')
  t.equal(formatStats(parseStats('count=123456789012345,bytes=0')), 'count=123456789012345,bytes=0', 'no exponent however large')
  t.equal(formatStats(parseStats('junk;count=x;bytes=1')), 'count=-1,bytes=1', 'unparsable pairs are skipped, not fatal')
})

t.test('quota targets and the deepest quota\'d prefix', async (t) => {
  t.equal(quotaTarget('/zookeeper/quota/a/b/zookeeper_limits', 'zookeeper_limits'), '/a/b')
  t.equal(quotaTarget('/zookeeper/quota/zookeeper_limits', 'zookeeper_limits'), undefined, 'no quota on "/"')
  t.equal(quotaTarget('/zookeeper/other/zookeeper_limits', 'zookeeper_limits'), undefined)
  t.equal(quotaTarget('/a/zookeeper_limits', 'zookeeper_limits'), undefined)
  const roots = new Map([['/a', true], ['/a/b', true]])
  t.equal(maxPrefix(roots, '/a/b/c'), '/a/b')
  t.equal(maxPrefix(roots, '/a/bc'), '/a')
  t.equal(maxPrefix(roots, '/a'), '/a', 'the quota\'d node itself counts')
  t.equal(maxPrefix(roots, '/x'), undefined)
  t.equal(maxPrefix(new Map(), '/a'), undefined)
})

t.test('enforceQuota checks every op of a multi against the committed stats, as ZooKeeper 3.8 does', async (t) => {
  const store = new MemoryStorage()
  initTree(store, Buffer.alloc(0))
  createSession(store, 1000, 1, 30000, 'aa')
  const ctx: Context = { session: 1, now: 2000, auth: [] }
  const cr = (path: string, data: string | null): SubRequest => ({ type: OpCode.create, path, data: data === null ? null : Buffer.from(data), dataLength: data === null ? 0 : data.length, acl: OPEN, flags: 0 })
  const run = (req: Parameters<typeof execute>[2]) => execute(store, ctx, req, { enforceQuota: true })
  for (const r of [cr('/m', null), cr('/zookeeper/quota/m', null), cr('/zookeeper/quota/m/zookeeper_limits', 'count=-1,bytes=-1=;countHardLimit=2;byteHardLimit=4'), cr('/zookeeper/quota/m/zookeeper_stats', 'count=0,bytes=0')]) {
    t.equal(run(r as never).err, Err.OK)
  }
  const m = run({ type: OpCode.multi, ops: [cr('/m/a', 'x'), cr('/m/b', 'y'), cr('/m/c', 'z')] })
  t.same(m.body?.results?.map((r) => r.type), [OpCode.create, OpCode.create, OpCode.create], 'each create sees count 1 committed')
  t.equal(Buffer.from(store.getNode('/zookeeper/quota/m/zookeeper_stats')!.data!).toString(), 'count=4,bytes=3')
  t.equal(run(cr('/m/d', null) as never).err, Err.QUOTAEXCEEDED)
  t.equal(run({ type: OpCode.setData, path: '/m', data: Buffer.from('a'), dataLength: 1, version: -1 }).err, Err.OK, 'bytes 3 + 1 = 4: at the limit')
  t.equal(run({ type: OpCode.setData, path: '/m', data: Buffer.from('ab'), dataLength: 2, version: -1 }).err, Err.QUOTAEXCEEDED)
  t.equal(execute(store, ctx, cr('/m/d', null) as never).err, Err.OK, 'without enforcement a hard limit only counts')
})
