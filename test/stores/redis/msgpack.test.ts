// The Node MessagePack codec against the real thing: Redis's embedded
// cmsgpack decodes what we encode and re-encodes it, and we decode that.
import t from 'tap'
import { Redis } from 'ioredis'
import { decodeMsgpack as decode, encodeMsgpack as encode, MsgpackError } from '../../../src/stores/redis'
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

const echo = async (v: unknown): Promise<unknown> =>
  decode(await raw.callBuffer('EVAL', 'return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))', 0, encode(v)) as Buffer)

t.test('numbers survive Lua exactly, at every encoding boundary', async (t) => {
  const values = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 52 + 1, 2 ** 53,
    -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 52) - 1,
    -72057594037927936 + 5000, -(2 ** 63), 1.5, 0.1, -2.25, 1e300]
  for (const v of values) t.equal(await echo(v), v, String(v))
})

t.test('strings and bytes of every header size', async (t) => {
  for (const n of [0, 31, 32, 255, 256, 65535, 65536]) {
    t.equal(await echo('é'.repeat(n).slice(0, n)), 'é'.repeat(n).slice(0, n), `string of ${n} units`)
    const b = Buffer.alloc(n, 0xfe)
    t.same(await echo({ data: b }), { data: b }, `${n} bytes under "data"`)
  }
  t.same(await echo({ data: Buffer.from([0, 0xff, 0xc0, 0x80]) }), { data: Buffer.from([0, 0xff, 0xc0, 0x80]) }, 'invalid UTF-8 kept')
})

t.test('arrays, maps, nesting; undefined and null members are absent in Lua', async (t) => {
  const arr16 = Array.from({ length: 16 }, (_, i) => i)
  t.same(await echo(arr16), arr16)
  const map16 = Object.fromEntries(arr16.map((i) => [`k${i}`, i]))
  t.same(await echo(map16), map16)
  t.same(await echo({ a: [{ b: 'c' }], d: true, e: false }), { a: [{ b: 'c' }], d: true, e: false })
  t.same(await echo({ x: 1, gone: undefined, nil: null }), { x: 1 })
  t.same(await echo([]), [], 'an empty array comes back empty')
})

t.test('malformed input is a MsgpackError', async (t) => {
  t.throws(() => decode(Buffer.from([0x92, 0x01])), MsgpackError)
  t.throws(() => decode(Buffer.from([0xc1])), MsgpackError)
  t.throws(() => decode(Buffer.from([0x01, 0x02])), MsgpackError)
  t.throws(() => encode({ f: () => 1 }), MsgpackError)
})
