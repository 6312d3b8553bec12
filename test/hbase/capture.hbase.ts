/**
 * npm run capture:hbase — records what real HBase writes into ZooKeeper, as
 * fixtures for test/hbase-views (the decoders are tested on bytes HBase
 * wrote, never on bytes our own code made up).
 *
 * Starts a real Apache ZooKeeper 3.8 and real HBase 2.5 (2 masters, 2 region
 * servers), creates a table, adds two replication peers, flips every switch
 * away from its default and decommissions one region server, then dumps every
 * znode under /hbase (path, base64 data, ephemeral owner) together with what
 * HBase's Admin API reports about itself ("facts", the expected values):
 *   <out>/hbase-2.5-live.json     the running cluster
 *   <out>/hbase-2.5-stopped.json  after Admin.shutdown() (what stays behind)
 *
 * Usage: tsx test/hbase/capture.hbase.ts [outDir]   (default test/hbase-views/fixtures)
 * Env:   HBASE_KEEP=1 keeps the cluster dir (logs); HBASE_VERSION as for fetch.sh.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { sleep } from '../support/proc'
import { startZooKeeper } from '../support/zookeeper'
import { HBaseJvm, hbaseCheck, prepareHBase, type CheckResult } from './hbase'
import { readHBaseZnodes, type HBaseZnodes } from './znodes'

const TABLE = 'rk_capture'

export interface CapturedZnode {
  path: string
  /** base64, or null when the znode has no data */
  data: string | null
  /** hex session id (rounded to a double for real ZooKeeper's ids), "0" for persistent znodes */
  ephemeralOwner: string
}

export interface ZnodeCapture {
  capturedWith: { hbase: string, zookeeper: string, at: string, stage: string }
  /** HBaseCheck `facts` (HBase's Admin API), taken on the live cluster */
  facts: Record<string, unknown>
  /** the ports HBase's JVMs listened on, by label */
  ports: Record<string, number>
  znodes: CapturedZnode[]
}

async function dump (address: string, root: string): Promise<CapturedZnode[]> {
  const c = await ZkClient.connect(address, { timeout: 10_000 })
  const out: CapturedZnode[] = []
  try {
    const walk = async (path: string): Promise<void> => {
      const d = await c.request({ type: OpCode.getData, path, watch: false })
      if (d.err !== 0 || d.body?.stat === undefined) return // vanished meanwhile
      const data = d.body.data
      const owner = BigInt.asUintN(64, BigInt(d.body.stat.ephemeralOwner))
      out.push({ path, data: data == null ? null : Buffer.from(data).toString('base64'), ephemeralOwner: owner.toString(16) })
      const ch = await c.request({ type: OpCode.getChildren, path, watch: false })
      if (ch.err !== 0) return
      for (const name of [...(ch.body?.children ?? [])].sort()) await walk(path === '/' ? `/${name}` : `${path}/${name}`)
    }
    await walk(root)
  } finally {
    await c.close().catch(() => {})
  }
  return out
}

function must (r: CheckResult, what: string): CheckResult {
  if (!r.ok) throw new Error(`${what}: ${r.error ?? JSON.stringify(r)}`)
  return r
}

async function until<T> (what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe().catch(() => null)
    if (v !== null) return v
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(300)
  }
}

async function main (): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(__dirname, '..', 'hbase-views', 'fixtures'))
  const version = process.env.HBASE_VERSION ?? '2.5.10-hadoop3'
  const kit = prepareHBase()
  const zk = await startZooKeeper()
  const dir = mkdtempSync(join(tmpdir(), 'rk-hbase-capture-'))
  const jvm = (role: 'master' | 'regionserver', label: string): HBaseJvm =>
    new HBaseJvm(kit, { role, label, zk: zk.address, clusterDir: dir, sessionTimeoutMs: 10_000 })
  const jvms = [jvm('master', 'master1'), jvm('master', 'master2'), jvm('regionserver', 'rs1'), jvm('regionserver', 'rs2')]
  const [m1, m2, rs1, rs2] = jvms
  const check = (args: string[]): Promise<CheckResult> => hbaseCheck(kit, zk.address, args)
  const save = async (stage: string, facts: Record<string, unknown>): Promise<void> => {
    const capture: ZnodeCapture = {
      capturedWith: { hbase: version, zookeeper: '3.8.0 (Debian)', at: new Date().toISOString(), stage },
      facts,
      ports: Object.fromEntries(jvms.map((j) => [j.spec.label, j.port])),
      znodes: await dump(zk.address, '/hbase')
    }
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, `hbase-2.5-${stage}.json`)
    writeFileSync(file, JSON.stringify(capture, null, 2) + '\n')
    console.error(`capture: ${file} (${capture.znodes.length} znodes)`)
  }
  try {
    await m1.start()
    await until('master1 active', 90_000, async () => (await readHBaseZnodes(zk.address)).master !== null ? true : null)
    await m2.start()
    await rs1.start()
    await rs2.start()
    must(await check(['wait-ready', '2', '150000']), 'wait-ready')
    must(await check(['create', TABLE]), 'create')
    must(await check(['put', TABLE, '100']), 'put')
    const z: HBaseZnodes = await until('1 backup master, 2 RS, meta', 60_000, async () => {
      const z = await readHBaseZnodes(zk.address)
      return z.backupMasters.length === 1 && z.rs.length === 2 && z.metaRegionServer?.server != null ? z : null
    })
    // Decommission the region server that does not carry hbase:meta.
    const drain = z.rs.find((s) => s !== z.metaRegionServer?.server) ?? z.rs[0]
    must(await check(['capture-setup', TABLE, drain]), 'capture-setup')
    const facts = must(await check(['facts']), 'facts')
    console.error(`capture: facts ${JSON.stringify(facts)}`)
    // Replication sources register their queues asynchronously.
    await sleep(5000)
    await save('live', facts)
    must(await check(['shutdown']), 'shutdown')
    for (const j of jvms) if (!(await j.exitWithin(90_000))) await j.stop()
    await save('stopped', facts)
  } finally {
    for (const j of jvms) await j.kill9()
    await zk.stop()
    if (process.env.HBASE_KEEP === '1') console.error(`capture: kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
