import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { logTail } from '../support/proc'

// One parent with a million children on the embedded server, 300 000 on
// node1 (sidecar → node → Redis; MILLION_CHILDREN and MILLION_WINDOW change
// both): creates pipelined
// from one client, then getChildren of all of them while another client
// keeps asking `exists`. Prints the create rate, memory per child (server
// RSS, or Redis used_memory), the time to list them and the longest stall
// another client saw meanwhile; asserts only behaviour (every child created
// and listed, the other client served throughout).
//   npx tap --timeout=1800 --disable-coverage test/heavy/million-children.test.ts

// node1 by default lists 300 000: past ~1.5 M children one getChildren outlasts
// the node's Redis call timeout (docs/reliability.md, "Large replies")
const SIZES: Record<string, { n: number, window: number }> = {
  embedded: { n: Number(process.env.MILLION_CHILDREN ?? 1_000_000), window: Number(process.env.MILLION_WINDOW ?? 2000) },
  node1: { n: Number(process.env.MILLION_CHILDREN ?? 300_000), window: Number(process.env.MILLION_WINDOW ?? 500) }
}
const TOPOLOGIES = (process.env.MILLION_TOPOLOGIES ?? 'embedded,node1').split(',')
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const P = '/million'

function rssMiB (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1]) / 1024
}

/** CPU seconds (user + system) a process has used so far: wall-clock figures mean little on a shared machine. */
function cpuSeconds (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = f.substring(f.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function createAll (zk: ZkClient, N: number, WINDOW: number): Promise<number> {
  let next = 0
  let failed = 0
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++
      // CONNECTIONLOSS (a Redis call past its timeout drops the node's WebSocket) counts as a failure too
      const r = await zk.request({ type: OpCode.create, path: `${P}/c${i}`, data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 }).catch(() => undefined)
      if (r?.err !== Err.OK) failed++
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, worker))
  return failed
}

/** `exists` in a loop until stopped: the longest wait for one reply. */
function prober (zk: ZkClient): { stop(): Promise<{ max: number, count: number, errors: number }> } {
  let running = true
  let max = 0
  let count = 0
  let errors = 0
  const loop = (async () => {
    while (running) {
      const t0 = performance.now()
      const r = await zk.request({ type: OpCode.exists, path: '/', watch: false })
      if (r.err !== Err.OK) errors++
      max = Math.max(max, performance.now() - t0)
      count++
    }
  })()
  return { stop: async () => { running = false; await loop; return { max, count, errors } } }
}

async function exercise (t: Test, address: string, memory: () => Promise<number>, cpuPid: number, what: string): Promise<void> {
  const { n: N, window: WINDOW } = SIZES[what]
  const zk = await ZkClient.connect(address, { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 })
  const other = await ZkClient.connect(address, { timeout: 60_000 })
  t.teardown(() => { zk.destroy(); other.destroy() })
  t.equal((await zk.request({ type: OpCode.create, path: P, data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 })).err, Err.OK)
  const before = await memory()
  const c0 = cpuSeconds(cpuPid)
  const t0 = performance.now()
  const failed = await createAll(zk, N, WINDOW)
  const createS = (performance.now() - t0) / 1000
  const createCpu = cpuSeconds(cpuPid) - c0
  t.equal(failed, 0, `${N} children created`)
  const after = await memory()

  const probe = prober(other)
  const c1 = cpuSeconds(cpuPid)
  const t1 = performance.now()
  const r = await zk.request({ type: OpCode.getChildren, path: P, watch: false })
  const listMs = performance.now() - t1
  const listCpu = cpuSeconds(cpuPid) - c1
  const seen = await probe.stop()
  t.equal(r.err, Err.OK)
  t.equal(r.body?.children?.length, N, 'getChildren lists every child')
  t.equal(seen.errors, 0, 'the other client is served throughout')
  t.ok(seen.count > 0)
  const stat = await zk.request({ type: OpCode.exists, path: P, watch: false })
  t.equal(stat.body?.stat?.numChildren, N)
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
  t.comment(`${what}: ${N} creates in ${createS.toFixed(1)} s (${Math.round(N / createS)}/s, ${WINDOW} outstanding; ${createCpu.toFixed(1)} CPU s of ${what === 'embedded' ? 'the server' : 'Redis'}, ${Math.round(createCpu * 1e6 / N)} µs per create; load average ${load}); ` +
    `${what === 'embedded' ? 'server RSS' : 'Redis used_memory'} ${before.toFixed(0)} → ${after.toFixed(0)} MiB (${Math.round((after - before) * 1024 * 1024 / N)} B per child); ` +
    `getChildren ${Math.round(listMs)} ms (${Math.round(listCpu * 1000)} CPU ms) for a ${(r.size / 1024 / 1024).toFixed(1)} MiB reply; another client's longest exists meanwhile ${Math.round(seen.max)} ms (${seen.count} calls)`)
}

if (TOPOLOGIES.includes('embedded')) t.test('embedded', async (t) => {
  // no fsync: this measures the data structures, not the disk
  const rk = await startRedkeeper({ args: ['--no-fsync'] })
  t.teardown(() => rk.destroy())
  await exercise(t, rk.address, async () => rssMiB(rk.pid), rk.pid, 'embedded')
})

if (TOPOLOGIES.includes('node1')) t.test('node1', async (t) => {
  const topo = await startTopology('node1')
  t.teardown(async () => {
    // on a failure, what the node and the sidecar said, before their temp dirs go
    if (!t.passing()) for (const f of [topo.nodes[0].logFile, topo.sidecar?.logFile ?? '']) t.comment(`${f}:\n${logTail(f, 30)}`)
    await topo.stop()
  })
  const redis = topo.redis
  if (redis === undefined) throw new Error('node1 has Redis')
  await exercise(t, topo.address, async () => Number((await redis.info('memory')).get('used_memory')) / 1024 / 1024, redis.pid, 'node1')
})
