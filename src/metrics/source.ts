// What /metrics reads from a process (embedded server or service node).
// Counters are kept as replies leave; the tree's numbers come from the
// store at scrape time, never per request.

import type { ServerStats } from '../server/stats'
import type { RedisCallMetrics } from './redis-calls'
import type { StoreIoMetrics } from './store-io'

/** The store's numbers, read once per scrape. Absent: the store does not keep it. */
export interface StoreGauges {
  znodes: number
  watches: number
  sessions: number
  ephemerals?: number
  /** bytes of paths and data, ZooKeeper's approximate_data_size */
  dataSize?: number
  /** last committed zxid */
  zxid: number
}

export interface MetricsSource {
  /** ZooKeeper's four-letter counters; stats.requests has the per-opcode series */
  stats: ServerStats
  /** open ZooKeeper connections (embedded: TCP clients; node: sidecar WebSockets) */
  connections: () => number
  /** requests received whose reply has not left yet */
  outstanding: () => number
  store: () => StoreGauges | Promise<StoreGauges>
  /** node only */
  redis?: RedisCallMetrics
  /** embedded only: records appended to the log */
  logRecords?: () => number
  /** embedded only: fsync and snapshot timings */
  storeIo?: StoreIoMetrics
}
