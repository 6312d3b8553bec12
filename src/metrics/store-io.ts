// The embedded store's disk work: how long each durable log write took and each
// snapshot, and how big the snapshots are. Fed by the store's 'synced' and
// 'snapshot' events (a few per second at most, never per request).

import type { Exposition } from './exposition'
import { Histogram, LATENCY_BUCKETS } from './histogram'

/** Seconds, from 10 ms to 5 min: a snapshot of a large tree takes seconds. */
const SNAPSHOT_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

export class StoreIoMetrics {
  readonly fsync = new Histogram(LATENCY_BUCKETS)
  readonly snapshot = new Histogram(SNAPSHOT_BUCKETS)
  /** bytes of the last snapshot written (0: none yet in this process) */
  lastSnapshotBytes = 0

  readonly synced = (seconds: number): void => {
    this.fsync.observe(seconds)
  }

  readonly snapshotted = (seconds: number, bytes: number): void => {
    this.snapshot.observe(seconds)
    this.lastSnapshotBytes = bytes
  }

  write (out: Exposition): void {
    out.family('redkeeper_log_fsync_duration_seconds', 'histogram', 'Time one durable write of the transaction log took (an O_DSYNC writev: written means on disk; absent samples: --no-fsync)')
    out.histogram('redkeeper_log_fsync_duration_seconds', this.fsync)
    out.family('redkeeper_snapshot_duration_seconds', 'histogram', 'Time to write one snapshot, from serializing the tree to the file being durable')
    out.histogram('redkeeper_snapshot_duration_seconds', this.snapshot)
    out.single('redkeeper_snapshot_size_bytes', 'gauge', 'Size of the last snapshot written by this process', this.lastSnapshotBytes)
  }
}
