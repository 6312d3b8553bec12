// A quick side-by-side figure: create and getData throughput and latency of
// a real Apache ZooKeeper 3.8 and redkeeper (embedded; sidecar → 1 node →
// Redis; sidecar → haproxy → 3 nodes → Redis), driven by the same client from
// this process (the servers run in their own processes), in one run on one
// machine. The full suite (workloads W1–W5, worker processes, charts) is
// issue 8's `npm run bench`.
//
//   npm run bench:quick [-- --systems zookeeper,embedded,node1,lb3 --sessions 16 --depth 8 --seconds 5 --size 100]

import { parseArgs } from 'node:util'
import { ZkClient } from '../src/client'
import { OpCode, Perm } from '../src/engine/codes'
import type { Request } from '../src/engine/types'
import { startZooKeeper } from '../test/support/zookeeper'
import { startTopology, type TopologyKind } from '../test/support/topology'

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '16' },
    depth: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    size: { type: 'string', default: '100' },
    systems: { type: 'string', default: 'zookeeper,embedded,node1,lb3' },
    json: { type: 'boolean', default: false },
  },
})
const SESSIONS = Number(values.sessions)
const DEPTH = Number(values.depth)
const SECONDS = Number(values.seconds)
const DATA = Buffer.alloc(Number(values.size), 0x61)
const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]

interface Figure { system: string; op: string; ops: number; opsPerSec: number; p50: number; p99: number; errors: number }

function percentile (sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/** Closed loop: every session keeps DEPTH requests in flight for SECONDS. */
async function phase (system: string, op: string, clients: ZkClient[], make: (s: number, i: number) => Request): Promise<Figure> {
  const latencies: number[] = []
  let errors = 0
  const deadline = performance.now() + SECONDS * 1000
  await Promise.all(clients.map(async (c, s) => {
    let i = 0
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const req = make(s, i++)
        const t0 = performance.now()
        const r = await c.request(req)
        latencies.push(performance.now() - t0)
        if (r.err !== 0) errors++
      }
    }
    await Promise.all(Array.from({ length: DEPTH }, lane))
  }))
  const sorted = Float64Array.from(latencies).sort()
  return { system, op, ops: sorted.length, opsPerSec: Math.round(sorted.length / SECONDS), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), errors }
}

async function measure (system: string, address: string): Promise<Figure[]> {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => ZkClient.connect(address, { timeout: 30000 })))
  const root = '/bench'
  await clients[0].request({ type: OpCode.create, path: root, data: null, dataLength: 0, acl: OPEN, flags: 0 })
  for (let s = 0; s < SESSIONS; s++) await clients[0].request({ type: OpCode.create, path: `${root}/s${s}`, data: null, dataLength: 0, acl: OPEN, flags: 0 })
  const created: number[] = new Array(SESSIONS).fill(0)
  const out: Figure[] = []
  out.push(await phase(system, 'create', clients, (s, i) => {
    created[s] = i + 1
    return { type: OpCode.create, path: `${root}/s${s}/n${i}`, data: DATA, dataLength: DATA.length, acl: OPEN, flags: 0 }
  }))
  out.push(await phase(system, 'getData', clients, (s, i) => ({ type: OpCode.getData, path: `${root}/s${s}/n${i % Math.max(1, created[s])}`, watch: false })))
  for (const c of clients) c.destroy()
  return out
}

const NAMES: Record<string, string> = { embedded: 'redkeeper-embedded', node1: 'redkeeper-node1', lb3: 'redkeeper-lb3' }

async function main (): Promise<void> {
  const figures: Figure[] = []
  for (const system of values.systems.split(',')) {
    if (system === 'zookeeper') {
      const zk = await startZooKeeper()
      try { figures.push(...await measure('zookeeper-3.8', zk.address)) } finally { await zk.stop() }
      continue
    }
    if (NAMES[system] === undefined) throw new Error(`unknown system ${system}: use zookeeper, embedded, node1, lb3`)
    // Redis as issue 8 measures it: AOF with appendfsync everysec
    const topo = await startTopology(system as TopologyKind, { redis: { appendonly: true, appendfsync: 'everysec' } })
    try { figures.push(...await measure(NAMES[system], topo.address)) } finally { await topo.stop() }
  }

  if (values.json) { console.log(JSON.stringify(figures, null, 2)); return }
  console.log(`# ${SESSIONS} sessions x ${DEPTH} in flight, ${SECONDS} s per phase, ${DATA.length}-byte data; ZooKeeper and embedded fsync every write, Redis AOF everysec`)
  console.log('| system | op | ops/s | p50 ms | p99 ms | errors | ratio vs ZooKeeper |')
  console.log('|---|---|---|---|---|---|---|')
  for (const f of figures) {
    const base = figures.find((g) => g.system === 'zookeeper-3.8' && g.op === f.op)
    const ratio = base === undefined ? 'n/a' : `${(f.opsPerSec / base.opsPerSec).toFixed(2)}x`
    console.log(`| ${f.system} | ${f.op} | ${f.opsPerSec} | ${f.p50.toFixed(3)} | ${f.p99.toFixed(3)} | ${f.errors} | ${ratio} |`)
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
