// ZooKeeper requests as Prometheus sees them: a count per (opcode, result)
// and a latency histogram per opcode. Both sit where a reply leaves, so
// recording is two Map lookups on small integer keys and a few number
// writes; names are resolved only when scraped.

import { Err, OpCode } from '../engine/codes'
import type { Exposition } from './exposition'
import { Histogram } from './histogram'

class OpSeries {
  /** ZooKeeper error code → replies */
  readonly results = new Map<number, number>()
  readonly latency = new Histogram()
}

/** ZooKeeper's own opcode name (ZooDefs.OpCode), "unknown" for anything else. */
export function opLabel (type: number): string {
  return OpCode[type] ?? 'unknown'
}

/** KeeperException.Code's name ("OK", "NONODE", ...), or the number. */
export function resultLabel (err: number): string {
  return Err[err] ?? String(err)
}

export class RequestMetrics {
  private readonly byOp = new Map<number, OpSeries>()

  /** One reply left: `seconds` from the request's arrival. */
  record (type: number, err: number, seconds: number): void {
    let s = this.byOp.get(type)
    if (s === undefined) {
      s = new OpSeries()
      this.byOp.set(type, s)
    }
    s.results.set(err, (s.results.get(err) ?? 0) + 1)
    s.latency.observe(seconds < 0 ? 0 : seconds)
  }

  write (out: Exposition): void {
    const ops = [...this.byOp.keys()].sort((a, b) => a - b)
    out.family('redkeeper_requests_total', 'counter', 'ZooKeeper requests answered, by opcode and result (ZooKeeper error name, OK on success)')
    for (const op of ops) {
      const s = this.byOp.get(op) as OpSeries
      for (const [err, n] of s.results) out.sample('redkeeper_requests_total', n, { op: opLabel(op), result: resultLabel(err) })
    }
    out.family('redkeeper_request_duration_seconds', 'histogram', 'Time from a request\'s arrival to its reply leaving, by opcode (microsecond resolution)')
    for (const op of ops) out.histogram('redkeeper_request_duration_seconds', (this.byOp.get(op) as OpSeries).latency, { op: opLabel(op) })
    // summed at scrape time from the per-opcode counts: nothing more on the reply path
    const errors = new Map<number, number>()
    for (const s of this.byOp.values()) {
      for (const [err, n] of s.results) if (err !== 0) errors.set(err, (errors.get(err) ?? 0) + n)
    }
    out.family('redkeeper_request_errors_total', 'counter', 'ZooKeeper requests answered with an error, by ZooKeeper error name (all opcodes)')
    for (const err of [...errors.keys()].sort((a, b) => a - b)) out.sample('redkeeper_request_errors_total', errors.get(err) as number, { error: resultLabel(err) })
  }
}
