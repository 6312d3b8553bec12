// The library as deployed: loading and version checks, the key layout other
// tools may rely on, bad input, and atomicity under concurrent clients.
import t from 'tap'
import { Redis } from 'ioredis'
import { CreateFlag, Err, OpCode, type ACL, type Context } from '../../../src/engine'
import {
  BadLibraryError, BadNamespaceError, LibraryNotBuiltError, RedisEngine, RedisEngineError, functionName, libraryVersion, readLibrary,
} from '../../../src/stores/redis'
import { buildLibrary, buildScript } from './lib'
import { startRedis, type RedisHandle } from './redis-server'

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

let redis: RedisHandle
let library: string
let raw: Redis

t.before(async () => {
  library = buildLibrary()
  redis = await startRedis()
  raw = new Redis(redis.url)
})
t.teardown(async () => {
  raw?.disconnect()
  await redis?.stop()
})

async function engine(namespace: string, opts: { extendedTypes?: boolean } = {}): Promise<RedisEngine> {
  const e = await RedisEngine.connect(redis.url, { namespace, library, ...opts })
  t.teardown(() => e.close())
  await e.init()
  return e
}

t.test('connect loads the library once; another build is loaded beside it', async (t) => {
  await raw.call('FUNCTION', 'FLUSH')
  const v = libraryVersion(library)
  const e = await engine('load1')
  t.equal(await raw.call('FCALL', functionName('rk_version', v), 0), v)
  const libs = await raw.call('FUNCTION', 'LIST', 'LIBRARYNAME', `redkeeper_${v}`) as unknown[]
  t.equal(libs.length, 1, `one library named redkeeper_${v}`)
  // a second connect with the same build must not reload (FUNCTION STATS shows no load; compare the list instead)
  const before = JSON.stringify(await raw.call('FUNCTION', 'LIST'))
  await engine('load1')
  t.equal(JSON.stringify(await raw.call('FUNCTION', 'LIST')), before)
  // a different build (same code, other version stamp) is loaded next to it, not over it
  const other = library.replaceAll(v, '0000000000000000')
  const e2 = await RedisEngine.connect(redis.url, { namespace: 'load1', library: other })
  t.equal(await raw.call('FCALL', 'rk_version_0000000000000000', 0), '0000000000000000')
  t.equal(await raw.call('FCALL', functionName('rk_version', v), 0), v, 'the first build is still there')
  t.equal((await e2.execute({ session: 1, now: 1, auth: [] }, { type: OpCode.exists, path: '/', watch: false })).err, Err.SESSIONEXPIRED, 'the other build answers')
  await e2.close()
  t.equal((await e.execute({ session: 1, now: 1, auth: [] }, { type: OpCode.exists, path: '/', watch: false })).err, Err.SESSIONEXPIRED, 'the engine still answers')
})

t.test('key layout: one hash tag, Stat as exact doubles, null flag', async (t) => {
  const e = await engine('layout')
  await e.createSessionWithId(2 ** 52 + 1, 10000, 'ab', 5000)
  const ctx: Context = { session: 2 ** 52 + 1, now: 6000, auth: [] }
  await e.execute(ctx, { type: OpCode.create, path: '/n', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.EPHEMERAL })
  await e.execute(ctx, { type: OpCode.getData, path: '/n', watch: true })
  const keys = (await raw.keys('*layout*')).sort()
  t.same(keys, [
    '{layout}:c:/', '{layout}:c:/zookeeper', '{layout}:count', '{layout}:deadlines', '{layout}:e:4503599627370497', '{layout}:format',
    '{layout}:n:/', '{layout}:n:/n', '{layout}:n:/zookeeper', '{layout}:n:/zookeeper/config', '{layout}:n:/zookeeper/quota',
    '{layout}:s:4503599627370497', '{layout}:sw:4503599627370497', '{layout}:w:d:/n', '{layout}:zxid',
  ])
  const slots = new Set(await Promise.all(keys.map((k) => raw.call('CLUSTER', 'KEYSLOT', k).catch(() => undefined))))
  // CLUSTER KEYSLOT works without cluster mode; every key must hash to one slot
  t.equal(slots.size, 1, 'all keys in one Cluster slot')
  const n = await raw.hgetallBuffer('{layout}:n:/n')
  t.same(Object.keys(n).sort(), ['a', 'd', 's'])
  const stat = Array.from({ length: 12 }, (_, i) => n.s.readDoubleBE(i * 8))
  // czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength numChildren pzxid dataIsNull
  t.same(stat, [2, 2, 6000, 6000, 0, 0, 0, 2 ** 52 + 1, 0, 0, 2, 1], 'Stat as 12 big-endian doubles, null flag last')
  t.equal(n.d.length, 0)
  t.equal(await raw.get('{layout}:zxid'), '2')
  t.equal(await raw.zscore('{layout}:deadlines', '4503599627370497'), '16000', 'deadline = last request + timeout')
  t.same(await raw.smembers('{layout}:sw:4503599627370497'), ['d/n'])
  // b: path + data bytes of every znode (all data here is null or empty); e: the one ephemeral
  const bytes = ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', '/n'].reduce((sum, p) => sum + p.length, 0)
  t.same(await raw.hgetall('{layout}:count'), { n: '5', w: '1', e: '1', b: String(bytes) }, 'znode, watch, ephemeral and data-size counters')
})

t.test('extendedTypes off: TTL nodes are UNIMPLEMENTED, as in ZooKeeper by default', async (t) => {
  const e = await RedisEngine.connect(redis.url, { namespace: 'plain', library })
  t.teardown(() => e.close())
  await e.init()
  await e.createSessionWithId(1, 10000, 'ab', 0)
  const out = await e.execute({ session: 1, now: 1, auth: [] }, { type: OpCode.createTTL, path: '/t', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_WITH_TTL, ttl: 100 })
  t.equal(out.err, Err.UNIMPLEMENTED)
})

t.test('init is idempotent', async (t) => {
  const e = await engine('init')
  await e.createSessionWithId(7, 10000, 'ab', 0)
  t.equal(await e.init(), 1, 'a second init writes nothing')
  t.equal((await e.getNode('/zookeeper/config'))!.aversion, -1)
})

t.test('bad input: clear errors, nothing written', async (t) => {
  await t.rejects(RedisEngine.connect(redis.url, { namespace: 'a}b', library }), BadNamespaceError)
  await t.rejects(RedisEngine.connect(redis.url, { namespace: '', library }), BadNamespaceError)
  t.throws(() => libraryVersion('return 1'), BadLibraryError)
  t.throws(() => readLibrary('/nonexistent/redkeeper.lua'), LibraryNotBuiltError)
  t.throws(() => buildScript.wrapBundle('print(1)'), { name: 'LuaBuildError' }, 'a bundle without the expected prologue is refused')
  const e = await engine('bad')
  const zxid = await e.getZxid()
  // garbage in place of the MessagePack request: Redis reports the Lua error; the store is untouched
  const fn = (base: string): string => functionName(base, libraryVersion(library))
  await t.rejects(raw.call('FCALL', fn('rk_exec'), 1, '{bad}', 'not msgpack', 'x'), /context is not a MessagePack map/)
  await t.rejects(raw.call('FCALL', fn('rk_exec'), 0), /namespace key/)
  await t.rejects(raw.call('FCALL', fn('rk_session_create'), 1, '{bad}', 'x', '1', 'ab', '0'), /session id is not a number/)
  t.equal(await e.getZxid(), zxid)
  const wrongPort = RedisEngine.connect('redis://127.0.0.1:1', { library, redis: { retryStrategy: () => null, maxRetriesPerRequest: 0 } })
  await t.rejects(wrongPort, RedisEngineError)
})

t.test('concurrent clients: every FCALL is atomic (sequential names never collide)', async (t) => {
  const clients = await Promise.all([0, 1, 2, 3].map(() => engine('race')))
  await clients[0].createSessionWithId(1, 60000, 'ab', 0)
  const ctx: Context = { session: 1, now: 1, auth: [] }
  await clients[0].execute(ctx, { type: OpCode.create, path: '/q', data: null, dataLength: 0, acl: OPEN, flags: 0 })
  const per = 50
  const results = await Promise.all(clients.map((c) => Promise.all(Array.from({ length: per }, () =>
    c.execute(ctx, { type: OpCode.create, path: '/q/n-', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_SEQUENTIAL })))))
  const names = results.flat().map((o) => o.body?.path)
  t.equal(new Set(names).size, clients.length * per, 'all names distinct')
  const q = (await clients[1].getNode('/q'))!
  t.equal(q.numChildren, clients.length * per)
  t.equal(q.cversion, clients.length * per)
  t.equal(await clients[2].getZxid(), 2 + clients.length * per)
})
