// Builds side by side (libraries.ts): a library no node has named for
// LIBRARY_IN_USE_MS is pruned, one still named is kept, the unversioned
// library of older builds is never touched; a node whose library was pruned
// loads it again on its next call; a namespace of another data format is
// refused at connect.

import t from 'tap'
import { Redis } from 'ioredis'
import { Err, OpCode } from '../../../src/engine'
import {
  LIBRARIES_KEY, LIBRARY_IN_USE_MS, RedisEngine, STORE_FORMAT, StoreFormatError, libraryVersion, markLibraryInUse, pruneLibraries,
} from '../../../src/stores/redis'
import { buildLibrary } from './lib'
import { startRedis, type RedisHandle } from './redis-server'

let redis: RedisHandle
let raw: Redis
t.before(async () => {
  redis = await startRedis()
  raw = new Redis(redis.url)
})
t.teardown(async () => {
  raw?.disconnect()
  await redis?.stop()
})

const listed = async (): Promise<string[]> => (await raw.call('FUNCTION', 'LIST') as unknown[][]).map((l) => l[1] as string).sort()
const ctx = { session: 1, now: 1, auth: [] }

t.test('prune: stale builds go, named ones and the legacy library stay', async (t) => {
  await raw.call('FUNCTION', 'FLUSH')
  await raw.del(LIBRARIES_KEY)
  const library = buildLibrary()
  const v = libraryVersion(library)
  const build = (stamp: string): string => library.replaceAll(v, stamp)
  const cur = await RedisEngine.connect(redis.url, { namespace: 'lib', library })
  t.teardown(() => cur.close())
  const staleE = await RedisEngine.connect(redis.url, { namespace: 'lib', library: build('000000000000000a') })
  await staleE.close()
  const liveE = await RedisEngine.connect(redis.url, { namespace: 'lib', library: build('000000000000000b') })
  t.teardown(() => liveE.close())
  // a library of a build before versioned names: `redkeeper`, rk_version
  await raw.call('FUNCTION', 'LOAD', "#!lua name=redkeeper\nredis.register_function{function_name = 'rk_version', flags = {'no-writes'}, callback = function() return 'legacy' end}")
  t.same(await listed(), ['redkeeper', 'redkeeper_000000000000000a', 'redkeeper_000000000000000b', `redkeeper_${v}`].sort())

  const now = Date.now() + LIBRARY_IN_USE_MS + 1000
  // b's node is still running: it named its build lately; a's node has been gone for longer than LIBRARY_IN_USE_MS
  await markLibraryInUse(raw, '000000000000000b', now - 1000)
  t.same(await cur.pruneLibraries(now), ['redkeeper_000000000000000a'], 'the stale build is removed')
  t.same(await listed(), ['redkeeper', 'redkeeper_000000000000000b', `redkeeper_${v}`].sort(), 'the named build and the legacy library stay')
  t.equal(await raw.zscore(LIBRARIES_KEY, '000000000000000a'), null, 'and its mark is gone')
  t.same(await pruneLibraries(raw, v, now), [], 'a second prune has nothing to do')
  t.equal((await liveE.execute(ctx, { type: OpCode.exists, path: '/', watch: false })).err, Err.SESSIONEXPIRED, 'the named build still answers')
})

t.test('a build whose library was removed under it loads it again on its next call', async (t) => {
  const library = buildLibrary()
  const e = await RedisEngine.connect(redis.url, { namespace: 'lib2', library })
  t.teardown(() => e.close())
  await e.init()
  await raw.call('FUNCTION', 'FLUSH')
  t.equal(await e.libraryLoaded(), false, 'gone')
  t.equal((await e.execute(ctx, { type: OpCode.exists, path: '/', watch: false })).err, Err.SESSIONEXPIRED, 'the call is answered')
  t.equal(await e.libraryLoaded(), true, 'the library is back')
  t.not(await raw.zscore(LIBRARIES_KEY, e.version), null, 'and named in use')
})

t.test('data format: stamped on first use, another format refused at connect', async (t) => {
  const library = buildLibrary()
  const e = await RedisEngine.connect(redis.url, { namespace: 'fmt', library })
  await e.close()
  t.equal(await raw.get('{fmt}:format'), String(STORE_FORMAT), 'the namespace is stamped')
  await raw.set('{fmt}:format', String(STORE_FORMAT + 1))
  await t.rejects(RedisEngine.connect(redis.url, { namespace: 'fmt', library }), StoreFormatError)
  await t.rejects(RedisEngine.connect(redis.url, { namespace: 'fmt', library }), { message: new RegExp(`namespace \\{fmt\\} holds data format ${STORE_FORMAT + 1}; this build reads format ${STORE_FORMAT}`) })
  t.equal(await raw.get('{fmt}:format'), String(STORE_FORMAT + 1), 'and nothing was rewritten')
})
