// One scrape: every family, in a fixed order.

import { Exposition } from './exposition'
import { writeProcessMetrics } from './process'
import type { HttpMetrics } from './http'
import type { MetricsSource } from './source'

/** `http`: the HTTP app's own request series, when it keeps them */
export async function renderMetrics (src: MetricsSource, http?: HttpMetrics): Promise<string> {
  const out = new Exposition()
  const store = await src.store()
  const s = src.stats
  s.requests.write(out)
  out.single('redkeeper_watch_events_sent_total', 'counter', 'Watch notifications sent to clients', s.watchEventsSent)
  out.family('redkeeper_handshakes_total', 'counter', 'Session handshakes by outcome: created, resumed (ConnectRequest for an existing session), reattached (a sidecar\'s RESUME on a node), expired (session gone or wrong password), refused (client ahead of the store\'s zxid)')
  for (const [result, n] of Object.entries(s.handshakes)) out.sample('redkeeper_handshakes_total', n, { result })
  out.single('redkeeper_auth_failed_total', 'counter', 'Connections that failed authentication', s.authFailed)
  out.single('redkeeper_packets_received_total', 'counter', 'ZooKeeper packets received (zk_packets_received)', s.packetsReceived)
  out.single('redkeeper_packets_sent_total', 'counter', 'ZooKeeper packets sent, replies and notifications (zk_packets_sent)', s.packetsSent)
  out.single('redkeeper_connections', 'gauge', 'Open client connections to this process', src.connections())
  out.single('redkeeper_outstanding_requests', 'gauge', 'Requests received whose reply has not left yet', src.outstanding())
  out.single('redkeeper_sessions', 'gauge', 'Live sessions in the store (the whole service on a node)', store.sessions)
  out.single('redkeeper_watches', 'gauge', 'Watch registrations in the store (the whole service on a node)', store.watches)
  out.single('redkeeper_znodes', 'gauge', 'Znodes in the tree, including / and /zookeeper...', store.znodes)
  out.single('redkeeper_last_zxid', 'gauge', 'Last committed zxid', store.zxid)
  if (store.ephemerals !== undefined) out.single('redkeeper_ephemerals', 'gauge', 'Ephemeral znodes', store.ephemerals)
  if (store.dataSize !== undefined) out.single('redkeeper_approximate_data_size_bytes', 'gauge', 'Bytes of paths and data in the tree (zk_approximate_data_size)', store.dataSize)
  if (src.logRecords !== undefined) {
    out.single('redkeeper_log_records_total', 'counter', 'Records appended to the transaction log', src.logRecords())
    out.single('redkeeper_log_flushes_total', 'counter', 'Times the log became durable up to a new record (fsync batches)', s.logFlushes)
  }
  if (src.storeIo !== undefined) src.storeIo.write(out)
  if (src.redis !== undefined) src.redis.write(out)
  if (http !== undefined) http.write(out)
  writeProcessMetrics(out)
  return out.text()
}
