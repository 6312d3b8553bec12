// Counters behind the four-letter words and /v1/status, kept the way
// ZooKeeper's ServerStats and ServerCnxn keep them so `srvr`, `stat`, `cons`
// and `mntr` read the same. Plain field bumps only: these sit on the hot path.

import { OpCode } from '../engine/codes'
import { RequestMetrics } from '../metrics/requests'

/** Latency min/avg/max in ms, as ZooKeeper's AvgMinMaxCounter reports them. */
export class LatencyCounter {
  min = Number.POSITIVE_INFINITY
  max = 0
  total = 0
  count = 0

  add (ms: number): void {
    if (ms < 0) return
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
    this.total += ms
    this.count++
  }

  /** 0 until the first sample, as ZooKeeper does. */
  get minOrZero (): number {
    return this.count === 0 ? 0 : this.min
  }

  get avg (): number {
    return this.count === 0 ? 0 : this.total / this.count
  }

  reset (): void {
    this.min = Number.POSITIVE_INFINITY
    this.max = 0
    this.total = 0
    this.count = 0
  }
}

/**
 * How a session handshake ended: a new session, an existing one taken up by a
 * ConnectRequest, a sidecar's RESUME after its node went away (distributed
 * only), a session that was gone (expired, unknown or wrong password), or a
 * client refused for having seen a newer zxid than the store's.
 */
export type HandshakeResult = 'created' | 'resumed' | 'reattached' | 'expired' | 'refused'

/** Server-wide counters (ZooKeeper's ServerStats). */
export class ServerStats {
  packetsReceived = 0
  packetsSent = 0
  /** connections that failed authentication (zk_auth_failed_count) */
  authFailed = 0
  /** times the log became durable up to a new record ('durable' events): fsync batches */
  logFlushes = 0
  /** watch notifications sent to clients */
  watchEventsSent = 0
  readonly latency = new LatencyCounter()
  /** session handshakes by outcome, for /metrics: never reset */
  readonly handshakes: Record<HandshakeResult, number> = { created: 0, resumed: 0, reattached: 0, expired: 0, refused: 0 }
  /** per-opcode counts and latency for /metrics: never reset (Prometheus counters only grow) */
  readonly requests = new RequestMetrics()
  readonly startedAt = Date.now()

  /**
   * A reply left, `start`/`end` in epoch ms (the four-letter latency, whole
   * ms as ZooKeeper's) and `t0` the request's arrival on performance.now()'s
   * clock: /metrics gets sub-millisecond latency from it.
   */
  replied (type: number, err: number, start: number, end: number, t0: number): void {
    this.latency.add(end - start)
    this.requests.record(type, err, (performance.now() - t0) / 1000)
  }

  reset (): void {
    this.packetsReceived = 0
    this.packetsSent = 0
    this.latency.reset()
  }
}

/** Per-connection counters (ZooKeeper's ServerCnxn), shown by `cons`. */
export class ConnectionStats {
  packetsReceived = 0
  packetsSent = 0
  lastOp = 'NA'
  lastCxid = -1
  lastZxid = -1
  lastResponseTime = 0
  lastLatency = 0
  readonly latency = new LatencyCounter()
  readonly established = Date.now()

  /** Called when a reply leaves: ZooKeeper's updateStatsForResponse. */
  response (cxid: number, zxid: number, op: string, start: number, end: number): void {
    // special xids (ping -2, auth -4, ...) don't overwrite the last real cxid
    if (cxid >= 0) this.lastCxid = cxid
    this.lastZxid = zxid
    this.lastOp = op
    this.lastResponseTime = end
    this.lastLatency = end - start
    this.latency.add(end - start)
  }

  reset (): void {
    this.packetsReceived = 0
    this.packetsSent = 0
    this.lastOp = 'NA'
    this.lastCxid = -1
    this.lastZxid = -1
    this.lastResponseTime = 0
    this.lastLatency = 0
    this.latency.reset()
  }
}

// FinalRequestProcessor's four-letter op names, shown as `lop` by `cons`.
const OP_NAMES: Partial<Record<number, string>> = {
  [OpCode.ping]: 'PING',
  [OpCode.createSession]: 'SESS',
  [OpCode.multi]: 'MULT',
  [OpCode.multiRead]: 'MLTR',
  [OpCode.create]: 'CREA',
  [OpCode.create2]: 'CREA',
  [OpCode.createTTL]: 'CREA',
  [OpCode.createContainer]: 'CREA',
  [OpCode.delete]: 'DELE',
  [OpCode.deleteContainer]: 'DELE',
  [OpCode.setData]: 'SETD',
  [OpCode.reconfig]: 'RECO',
  [OpCode.setACL]: 'SETA',
  [OpCode.closeSession]: 'CLOS',
  [OpCode.sync]: 'SYNC',
  [OpCode.check]: 'CHEC',
  [OpCode.exists]: 'EXIS',
  [OpCode.getData]: 'GETD',
  [OpCode.setWatches]: 'SETW',
  [OpCode.setWatches2]: 'STW2',
  [OpCode.addWatch]: 'ADDW',
  [OpCode.getACL]: 'GETA',
  [OpCode.getChildren]: 'GETC',
  [OpCode.getChildren2]: 'GETC',
  [OpCode.getAllChildrenNumber]: 'GETACN',
  [OpCode.checkWatches]: 'CHKW',
  [OpCode.removeWatches]: 'REMW',
  [OpCode.whoAmI]: 'HOMI',
  [OpCode.getEphemerals]: 'GETE',
}

export function opName (type: number): string {
  return OP_NAMES[type] ?? 'NA'
}
