// The captured trees (test/hbase/capture.hbase.ts: real HBase 2.5.10 on real
// ZooKeeper 3.8) and what HBase's Admin API said about that cluster.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Facts {
  clusterId: string
  hbaseVersion: string
  master: string
  backupMasters: string[]
  liveServers: string[]
  decommissioned: string[]
  meta: string
  balancer: boolean
  normalizer: boolean
  split: boolean
  merge: boolean
  snapshotCleanup: boolean
  peers: Array<{ id: string, enabled: boolean, clusterKey: string, serial: boolean, bandwidth: number, replicateAllUserTables: boolean }>
}

export interface FixtureZnode {
  /** absolute, under /hbase */
  path: string
  data: Buffer | null
  ephemeral: boolean
}

export interface Fixture {
  stage: 'live' | 'stopped'
  facts: Facts
  ports: { master1: number, master2: number, rs1: number, rs2: number }
  znodes: FixtureZnode[]
}

export function loadFixture (stage: 'live' | 'stopped'): Fixture {
  const raw = JSON.parse(readFileSync(join(__dirname, 'fixtures', `hbase-2.5-${stage}.json`), 'utf8')) as {
    facts: Facts
    ports: Fixture['ports']
    znodes: Array<{ path: string, data: string | null, ephemeralOwner: string }>
  }
  return {
    stage,
    facts: raw.facts,
    ports: raw.ports,
    znodes: raw.znodes.map((z) => ({ path: z.path, data: z.data === null ? null : Buffer.from(z.data, 'base64'), ephemeral: z.ephemeralOwner !== '0' }))
  }
}

/** "/hbase/rs/x" → "rs/x" */
export const rel = (path: string): string => path.replace(/^\/hbase\/?/, '')

/** The znode at path (relative to /hbase); throws when the fixture has none. */
export function znode (f: Fixture, relPath: string): FixtureZnode {
  const z = f.znodes.find((n) => rel(n.path) === relPath)
  if (z === undefined) throw new Error(`fixture ${f.stage} has no /hbase/${relPath}`)
  return z
}

export const portOf = (serverName: string): number => Number(serverName.split(',')[1])
