// Side-by-side throughput of the one engine: compiled to Lua inside Redis
// (FCALL), in-process over a Map store, and the raw Redis ceiling for a
// trivial Function of similar size. Not a test (no timing is asserted): run
//
//   node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs test/stores/redis/bench.ts [N]
//
// FCALL load comes from a minimal RESP driver (16 connections, one request in
// flight each, like `redis-benchmark -c 16 -P 1`) with every command built
// before the clock starts, so the figures are Redis's, not the client's. The
// RedisEngine row adds the real client (ioredis, MessagePack encode/decode).
import { createConnection, type Socket } from 'node:net'
import { execFileSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { MemoryStorage } from '../../engine/memory-storage'
import { createSession, execute, initTree, OpCode, prepareRequest, type ACL, type Context, type Outcome, type Request } from '../../../src/engine'
import { RedisEngine, decodeMsgpack, encodeMsgpack, functionName } from '../../../src/stores/redis'
import { buildLibrary } from './lib'
import { startRedis } from './redis-server'

const N = Number(process.argv[2] ?? 50_000)
const CONNS = 16
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const DATA = Buffer.from('0123456789abcdef') // 16 bytes
const NS = '{bench}'
const CTX: Context = { session: 1, now: 1_764_000_000_000, auth: [] }

// ---- the request mix (the same for every runtime) ----

type Op = 'create' | 'getData' | 'setData' | 'delete'
const OPS: Op[] = ['create', 'getData', 'setData', 'delete']

function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i)
  let s = seed
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648
    const j = s % (i + 1)
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

function requests(op: Op): Request[] {
  const order = op === 'create' ? Array.from({ length: N }, (_, i) => i) : shuffled(N, OPS.indexOf(op) + 7)
  return order.map((i): Request => {
    const path = `/bench/n${i}`
    switch (op) {
      case 'create': return { type: OpCode.create, path, data: DATA, dataLength: DATA.length, acl: OPEN, flags: 0 }
      case 'getData': return { type: OpCode.getData, path, watch: false }
      case 'setData': return { type: OpCode.setData, path, data: DATA, dataLength: DATA.length, version: -1 }
      case 'delete': return { type: OpCode.delete, path, version: -1 }
    }
  })
}

// ---- statistics ----

interface Figures { ops: number, p50: number, p99: number, usec?: number }

function figures(latNs: Float64Array, wallNs: number): Figures {
  const sorted = Float64Array.from(latNs).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6
  return { ops: latNs.length / (wallNs / 1e9), p50: at(0.5), p99: at(0.99) }
}

// ---- a minimal RESP driver ----

function resp(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** Length of one complete top-level reply at the start of buf (bulk, simple, error, integer), or -1. */
function replyLength(buf: Buffer): number {
  const eol = buf.indexOf('\r\n')
  if (eol === -1) return -1
  if (buf[0] !== 0x24 /* $ */) return eol + 2
  const len = Number(buf.toString('latin1', 1, eol))
  if (len < 0) return eol + 2
  const total = eol + 2 + len + 2
  return buf.length >= total ? total : -1
}

/** Sends every command over CONNS connections, one in flight each; returns latencies and replies. */
async function drive(raw: Redis, port: number, commands: Buffer[]): Promise<{ fig: Figures, replies: Buffer[], usec: number }> {
  await raw.config('RESETSTAT')
  const lat = new Float64Array(commands.length)
  const replies = new Array<Buffer>(commands.length)
  let next = 0
  let done = 0
  const sockets: Socket[] = []
  await Promise.all(Array.from({ length: CONNS }, () => new Promise<void>((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => resolve())
    s.setNoDelay(true)
    s.on('error', reject)
    sockets.push(s)
  })))
  const start = process.hrtime.bigint()
  await new Promise<void>((resolve) => {
    for (const s of sockets) {
      let pending: Buffer = Buffer.alloc(0)
      let current = -1
      let sent = 0n
      const send = () => {
        if (next >= commands.length) return
        current = next++
        sent = process.hrtime.bigint()
        s.write(commands[current])
      }
      s.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
        const n = replyLength(pending)
        if (n === -1) return
        lat[current] = Number(process.hrtime.bigint() - sent)
        replies[current] = pending.subarray(0, n)
        pending = pending.subarray(n)
        if (++done === commands.length) resolve()
        else send()
      })
      send()
    }
  })
  const wall = Number(process.hrtime.bigint() - start)
  for (const s of sockets) s.destroy()
  return { fig: figures(lat, wall), replies, usec: await fcallUsec(raw) }
}

/** Redis's own CPU time per FCALL since the last RESETSTAT: immune to client-side noise. */
async function fcallUsec(raw: Redis): Promise<number> {
  const info = await raw.info('commandstats')
  const m = /cmdstat_fcall:calls=(\d+),usec=(\d+)/.exec(info)
  return m === null ? NaN : Number(m[2]) / Number(m[1])
}

function replyOutcome(r: Buffer): Outcome {
  if (r[0] !== 0x24) throw new Error(`bench: Redis answered ${r.toString()}`)
  const eol = r.indexOf('\r\n')
  return decodeMsgpack(r.subarray(eol + 2, r.length - 2)) as Outcome
}

// ---- the runs ----

const BENCH_LIB = `#!lua name=rkbench
redis.register_function('rkbench_trivial', function(keys, args)
  redis.call('HSET', keys[1] .. ':n:' .. args[1], 'd', args[2], 'v', '0')
  redis.call('SADD', keys[1] .. ':c', args[1])
  return 'ok'
end)
redis.register_function('rkbench_msgpack', function(keys, args)
  local c = cmsgpack.unpack(args[1])
  local r = cmsgpack.unpack(args[2])
  return cmsgpack.pack({err = 0, zxid = c.now, body = {path = r.path}, events = {}})
end)
redis.register_function('rkbench_json', function(keys, args)
  local c = cjson.decode(args[1])
  local r = cjson.decode(args[2])
  return cjson.encode({err = 0, zxid = c.now, body = {path = r.path}, events = {}})
end)
`

function inProcess(): Record<Op, Figures> {
  const store = new MemoryStorage()
  initTree(store, Buffer.alloc(0))
  createSession(store, 0, CTX.session, 30000, 'aa')
  execute(store, CTX, { type: OpCode.create, path: '/bench', data: null, dataLength: 0, acl: OPEN, flags: 0 })
  const out = {} as Record<Op, Figures>
  for (const op of OPS) {
    const reqs = requests(op)
    const lat = new Float64Array(reqs.length)
    const start = process.hrtime.bigint()
    for (let i = 0; i < reqs.length; i++) {
      const t0 = process.hrtime.bigint()
      const o = execute(store, CTX, reqs[i])
      lat[i] = Number(process.hrtime.bigint() - t0)
      if (o.err !== 0) throw new Error(`in-process ${op} failed: ${o.err}`)
    }
    out[op] = figures(lat, Number(process.hrtime.bigint() - start))
  }
  return out
}

async function viaClient(engine: RedisEngine): Promise<Record<Op, Figures>> {
  const out = {} as Record<Op, Figures>
  for (const op of OPS) {
    const reqs = requests(op)
    const lat = new Float64Array(reqs.length)
    let next = 0
    const start = process.hrtime.bigint()
    await Promise.all(Array.from({ length: CONNS }, async () => {
      while (next < reqs.length) {
        const i = next++
        const t0 = process.hrtime.bigint()
        const o = await engine.execute(CTX, reqs[i])
        lat[i] = Number(process.hrtime.bigint() - t0)
        if (o.err !== 0) throw new Error(`client ${op} failed: ${o.err}`)
      }
    }))
    out[op] = figures(lat, Number(process.hrtime.bigint() - start))
  }
  return out
}

function jsCodecCost(): { msgpack: number, json: number } {
  const req = prepareRequest(requests('create')[0])
  const reply = encodeMsgpack({ err: 0, zxid: 123456789, body: { path: '/bench/n0' }, events: [] })
  const replyJson = JSON.stringify({ err: 0, zxid: 123456789, body: { path: '/bench/n0' }, events: [] })
  const rounds = 200_000
  let t0 = process.hrtime.bigint()
  for (let i = 0; i < rounds; i++) { encodeMsgpack(CTX); encodeMsgpack(req); decodeMsgpack(reply) }
  const msgpack = Number(process.hrtime.bigint() - t0) / rounds
  const { data, ...rest } = req as unknown as { data: Buffer }
  t0 = process.hrtime.bigint()
  // JSON cannot carry bytes: data would travel as its own FCALL argument
  for (let i = 0; i < rounds; i++) { JSON.stringify(CTX); JSON.stringify(rest); JSON.parse(replyJson); void data }
  const json = Number(process.hrtime.bigint() - t0) / rounds
  return { msgpack, json }
}

function fmt(f: Figures): string {
  const cpu = f.usec === undefined ? '' : `   in Redis ${f.usec.toFixed(1)} us/call`
  return `${(f.ops / 1000).toFixed(1).padStart(7)}k ops/s   p50 ${f.p50.toFixed(3)} ms   p99 ${f.p99.toFixed(3)} ms${cpu}`
}

const t0 = Date.now()
const stamp = (what: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`)

async function main(): Promise<void> {
  stamp('start')
  const library = buildLibrary()
  const redis = await startRedis()
  try {
    const raw = new Redis(redis.url)
    await raw.call('FUNCTION', 'LOAD', 'REPLACE', BENCH_LIB)
    const engine = await RedisEngine.connect(redis.url, { namespace: 'bench', library })
    await engine.init()
    await engine.createSessionWithId(CTX.session, 3_600_000, 'aa', CTX.now)
    await engine.execute(CTX, { type: OpCode.create, path: '/bench', data: null, dataLength: 0, acl: OPEN, flags: 0 })

    console.log(`redkeeper engine benchmark: N=${N} per operation, ${CONNS} connections, one request in flight each`)
    console.log(`redis-server ${execFileSync('redis-server', ['--version']).toString().split(' ')[2]}, node ${process.version}, ${execFileSync('nproc').toString().trim()} cores\n`)

    stamp('in-process')
    console.log('engine in-process over a Map store (one thread, no I/O):')
    const mem = inProcess()
    for (const op of OPS) console.log(`  ${op.padEnd(8)} ${fmt(mem[op])}`)

    stamp('fcall')
    console.log('\nengine compiled to Lua, FCALL rk_exec (RESP driver, commands pre-encoded):')
    const ctx = encodeMsgpack(CTX)
    const fcall: Record<string, Figures> = {}
    for (const op of OPS) {
      const cmds = requests(op).map((r) => resp(['FCALL', functionName('rk_exec', engine.version), '1', NS, ctx, encodeMsgpack(prepareRequest(r)), '0']))
      const { fig, replies, usec } = await drive(raw, redis.port, cmds)
      fig.usec = usec
      const failed = replies.filter((r) => replyOutcome(r).err !== 0).length
      if (failed > 0) throw new Error(`FCALL ${op}: ${failed} requests failed`)
      fcall[op] = fig
      console.log(`  ${op.padEnd(8)} ${fmt(fig)}`)
    }

    stamp('client')
    console.log('\nsame engine through RedisEngine.execute (ioredis, encode + decode per request, 16 in flight):')
    const client = await viaClient(engine)
    for (const op of OPS) console.log(`  ${op.padEnd(8)} ${fmt(client[op])}`)

    stamp('raw')
    console.log('\nraw Redis ceiling, trivial Function (HSET 2 fields + SADD), RESP driver:')
    const trivial = await drive(raw, redis.port, Array.from({ length: N }, (_, i) => resp(['FCALL', 'rkbench_trivial', '1', '{trivial}', `/t/n${i}`, DATA])))
    trivial.fig.usec = trivial.usec
    console.log(`  trivial  ${fmt(trivial.fig)}`)
    const rb = execFileSync('redis-benchmark', ['-p', String(redis.port), '-c', String(CONNS), '-n', String(N), '-q',
      'FCALL', 'rkbench_trivial', '1', '{rb}', '/rb/__rand_int__', '0123456789abcdef']).toString()
    console.log(`  same Function via redis-benchmark -c ${CONNS}: ${rb.trim().split('\r').pop()!.trim()}`)

    stamp('encoding')
    console.log('\nencoding of one create request + reply:')
    const one = prepareRequest(requests('create')[0])
    const mpCmd = resp(['FCALL', 'rkbench_msgpack', '1', NS, ctx, encodeMsgpack(one)])
    const mp = await drive(raw, redis.port, Array.from({ length: N }, () => mpCmd))
    const { data: _d, ...jsonReq } = one as unknown as { data: Buffer }
    const jsCmd = resp(['FCALL', 'rkbench_json', '1', NS, JSON.stringify(CTX), JSON.stringify(jsonReq)])
    const js = await drive(raw, redis.port, Array.from({ length: N }, () => jsCmd))
    mp.fig.usec = mp.usec
    js.fig.usec = js.usec
    console.log(`  Lua decode+encode, cmsgpack   ${fmt(mp.fig)}`)
    console.log(`  Lua decode+encode, cjson      ${fmt(js.fig)}`)
    const cost = jsCodecCost()
    console.log(`  Node encode ctx+req, decode reply: msgpack.ts ${(cost.msgpack / 1000).toFixed(2)} us, JSON ${(cost.json / 1000).toFixed(2)} us`)

    console.log('\n| operation | in-process (Map store) | FCALL rk_exec | Redis CPU per FCALL | RedisEngine (ioredis) |')
    console.log('|---|---|---|---|---|')
    const c = (f: Figures) => `${(f.ops / 1000).toFixed(1)}k ops/s, p50 ${f.p50.toFixed(3)} ms`
    for (const op of OPS) {
      console.log(`| ${op} | ${c(mem[op])} | ${c(fcall[op])} | ${fcall[op].usec!.toFixed(1)} us | ${c(client[op])} |`)
    }
    console.log(`| trivial FCALL (HSET+SADD) | | ${c(trivial.fig)} | ${trivial.usec.toFixed(1)} us | |`)
    raw.disconnect()
    await engine.close()
  } finally {
    await redis.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
