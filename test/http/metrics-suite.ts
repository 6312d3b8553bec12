// The /metrics checks shared by the embedded server and a service node: a
// known workload from the raw ZkClient, and the scrape before and after it
// must differ by exactly that workload.

import type { Test } from 'tap'
import { OpCode, Err } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { parseExposition, type Page } from './metrics-format'

export interface MetricsTarget {
  /** http://host:port of the process serving /metrics */
  base: string
  /** ZooKeeper address for clients */
  zkAddress: string
  /** embedded: log, fsync and snapshot series are exported too (started with --snap-count SNAP_COUNT, fsync on) */
  embedded: boolean
}

/** the embedded target's --snap-count: the workload below writes more records than this */
export const SNAP_COUNT = 5

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const N = 7
const M = 5

export async function scrape (t: Test, base: string): Promise<Page> {
  const res = await fetch(`${base}/metrics`)
  t.equal(res.status, 200, 'GET /metrics answers 200')
  const type = res.headers.get('content-type') ?? ''
  t.ok(type.startsWith('text/plain; version=0.0.4'), `content type is Prometheus text 0.0.4 (${type})`)
  return parseExposition(await res.text())
}

const delta = (after: Page, before: Page, name: string, labels?: Record<string, string>): number =>
  (after.get(name, labels) ?? 0) - (before.get(name, labels) ?? 0)

export function metricsSuite (t: Test, target: () => MetricsTarget): void {
  t.test('counters, histograms and gauges follow a known workload exactly', async (t) => {
    const { base, zkAddress, embedded } = target()
    const before = await scrape(t, base)
    const c = await ZkClient.connect(zkAddress, { autoPing: false })
    t.teardown(() => c.destroy())
    const tag = `/metrics-${Date.now().toString(36)}`
    const paths: string[] = []
    for (let i = 0; i < N; i++) {
      const path = `${tag}-${i}`
      // the last one ephemeral
      const flags = i === N - 1 ? 1 : 0
      const r = await c.request({ type: OpCode.create, path, data: Buffer.from('abc'), dataLength: 3, acl: OPEN, flags })
      t.equal(r.err, Err.OK)
      paths.push(path)
    }
    for (let i = 0; i < M; i++) t.equal((await c.request({ type: OpCode.getData, path: paths[i], watch: true })).err, Err.OK)
    t.equal((await c.request({ type: OpCode.getData, path: `${tag}-missing`, watch: false })).err, Err.NONODE)

    const mid = await scrape(t, base)
    t.equal(delta(mid, before, 'redkeeper_requests_total', { op: 'create', result: 'OK' }), N, 'creates')
    t.equal(delta(mid, before, 'redkeeper_requests_total', { op: 'getData', result: 'OK' }), M, 'getData OK')
    t.equal(delta(mid, before, 'redkeeper_requests_total', { op: 'getData', result: 'NONODE' }), 1, 'getData NONODE')
    t.equal(delta(mid, before, 'redkeeper_request_duration_seconds_count', { op: 'create' }), N, 'create latency samples')
    t.equal(delta(mid, before, 'redkeeper_request_duration_seconds_count', { op: 'getData' }), M + 1, 'getData latency samples')
    t.equal(delta(mid, before, 'redkeeper_request_duration_seconds_bucket', { op: 'getData', le: '+Inf' }), M + 1)
    t.ok((mid.get('redkeeper_request_duration_seconds_sum', { op: 'create' }) ?? -1) >= 0)
    t.equal(delta(mid, before, 'redkeeper_znodes'), N, 'znodes')
    t.equal(delta(mid, before, 'redkeeper_watches'), M, 'one data watch per getData with watch set')
    t.equal(delta(mid, before, 'redkeeper_sessions'), 1, 'the client\'s session')
    t.equal(delta(mid, before, 'redkeeper_handshakes_total', { result: 'created' }), 1, 'one session created by a handshake')
    t.equal(delta(mid, before, 'redkeeper_handshakes_total', { result: 'expired' }), 0)
    t.equal(delta(mid, before, 'redkeeper_request_errors_total', { error: 'NONODE' }), 1, 'errors by ZooKeeper error name')
    // sub-millisecond buckets: a getData from memory lands below 1 ms on any sane machine, but only the bucket's presence is asserted
    t.not(mid.get('redkeeper_request_duration_seconds_bucket', { op: 'getData', le: '0.00005' }), undefined, '50 µs bucket')
    t.not(mid.get('redkeeper_request_duration_seconds_bucket', { op: 'getData', le: '0.0001' }), undefined, '100 µs bucket')
    t.equal(delta(mid, before, 'redkeeper_ephemerals'), 1, 'ephemerals')
    // ZooKeeper's approximate size: path length + data length per znode
    const bytes = paths.reduce((n, p) => n + p.length + 3, 0)
    t.equal(delta(mid, before, 'redkeeper_approximate_data_size_bytes'), bytes, 'data size')
    t.equal(delta(mid, before, 'redkeeper_connections'), 1, 'the client\'s connection')
    t.equal(mid.get('redkeeper_outstanding_requests'), 0, 'nothing in flight between requests')
    t.equal(mid.types.get('redkeeper_requests_total'), 'counter')
    t.equal(mid.types.get('redkeeper_request_duration_seconds'), 'histogram')
    t.ok((mid.get('redkeeper_last_zxid') ?? 0) > (before.get('redkeeper_last_zxid') ?? 0), 'zxid moved')
    if (embedded) {
      t.equal(delta(mid, before, 'redkeeper_log_records_total'), N + 1, 'one log record per write: the creates and the createSession')
      const syncs = delta(mid, before, 'redkeeper_log_fsync_duration_seconds_count')
      t.ok(syncs >= 1, `fsyncs timed (${syncs})`)
      t.equal(syncs, delta(mid, before, 'redkeeper_log_flushes_total'), 'one fsync per flush')
      t.equal(mid.types.get('redkeeper_log_fsync_duration_seconds'), 'histogram')
    } else {
      t.equal(delta(mid, before, 'redkeeper_redis_call_duration_seconds_count', { function: 'rk_request' }), N + M + 1, 'one FCALL per request')
      t.equal(mid.get('redkeeper_redis_errors_total', { function: 'rk_request' }), 0, 'no Redis errors')
    }
    for (const name of ['process_resident_memory_bytes', 'process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      t.ok((mid.get(name) ?? -1) >= 0, `${name} present`)
    }

    // a write fires one of the watches: one event sent, one watch gone
    const fired = new Promise<void>((resolve) => c.once('watch', () => resolve()))
    t.equal((await c.request({ type: OpCode.setData, path: paths[0], data: Buffer.from('xyz'), dataLength: 3, version: -1 })).err, Err.OK)
    await fired
    t.equal((await c.request({ type: OpCode.setData, path: paths[0], data: Buffer.from('x'), dataLength: 1, version: 99 })).err, Err.BADVERSION)
    await c.close()
    const after = await scrape(t, base)
    t.equal(delta(after, mid, 'redkeeper_watch_events_sent_total'), 1, 'watch events sent')
    t.equal(delta(after, mid, 'redkeeper_requests_total', { op: 'setData', result: 'OK' }), 1)
    t.equal(delta(after, mid, 'redkeeper_requests_total', { op: 'setData', result: 'BADVERSION' }), 1)
    t.equal(delta(after, mid, 'redkeeper_requests_total', { op: 'closeSession', result: 'OK' }), 1)
    t.equal(delta(after, mid, 'redkeeper_sessions'), -1, 'session closed')
    t.equal(delta(after, mid, 'redkeeper_znodes'), -1, 'its ephemeral went with it')
    t.equal(delta(after, mid, 'redkeeper_watches'), -M, 'its watches went with it')
    t.equal(delta(after, mid, 'redkeeper_ephemerals'), -1, 'its ephemeral is no longer counted')
    t.equal(delta(after, mid, 'redkeeper_approximate_data_size_bytes'), -(paths[N - 1].length + 3), 'nor its bytes')
    t.equal(delta(after, mid, 'redkeeper_request_errors_total', { error: 'BADVERSION' }), 1)

    if (embedded) {
      // N + 1 records passed --snap-count: a snapshot is written in the background
      let page = after
      for (let i = 0; delta(page, before, 'redkeeper_snapshot_duration_seconds_count') < 1; i++) {
        if (i === 200) throw new Error('no snapshot was counted after --snap-count records')
        await new Promise((resolve) => setTimeout(resolve, 50))
        page = await scrape(t, base)
      }
      t.ok((page.get('redkeeper_snapshot_size_bytes') ?? 0) > 0, 'the last snapshot\'s size')
      t.ok((page.get('redkeeper_snapshot_duration_seconds_sum') ?? -1) > 0, 'its duration')
    }
  })

  t.test('handshakes are counted by outcome: created, resumed, expired, refused', async (t) => {
    const { base, zkAddress } = target()
    const before = await scrape(t, base)
    const first = await ZkClient.connect(zkAddress, { autoPing: false })
    t.teardown(() => first.destroy())
    const again = await ZkClient.connect(zkAddress, { autoPing: false, sessionId: first.sessionIdBig, passwd: first.passwd })
    t.teardown(() => again.destroy())
    t.equal(again.sessionIdBig, first.sessionIdBig, 'the session was taken up')
    const wrong = Buffer.from(first.passwd)
    wrong[0] ^= 0xff
    await t.rejects(ZkClient.connect(zkAddress, { autoPing: false, sessionId: first.sessionIdBig, passwd: wrong }), 'a wrong password: session expired')
    await t.rejects(ZkClient.connect(zkAddress, { autoPing: false, lastZxidSeen: 2 ** 40, connectTimeout: 5000 }), 'a client ahead of the store is refused')
    await again.close()
    const after = await scrape(t, base)
    t.equal(delta(after, before, 'redkeeper_handshakes_total', { result: 'created' }), 1)
    t.equal(delta(after, before, 'redkeeper_handshakes_total', { result: 'resumed' }), 1)
    t.equal(delta(after, before, 'redkeeper_handshakes_total', { result: 'expired' }), 1)
    t.equal(delta(after, before, 'redkeeper_handshakes_total', { result: 'refused' }), 1)
    t.equal(delta(after, before, 'redkeeper_handshakes_total', { result: 'reattached' }), 0, 'no node went away')
  })

  t.test('REST requests are counted per route pattern and status, with latency', async (t) => {
    const { base } = target()
    const tag = `/metrics-rest-${Date.now().toString(36)}`
    const before = await scrape(t, base)
    const missing = await fetch(`${base}/v1/znodes${tag}`)
    t.equal(missing.status, 404)
    await missing.text()
    const found = await fetch(`${base}/v1/znodes/zookeeper`)
    t.equal(found.status, 200)
    await found.text()
    const unknown = await fetch(`${base}/no-such-route${tag}`)
    t.equal(unknown.status, 404)
    await unknown.text()
    const after = await scrape(t, base)
    const route = { method: 'GET', route: '/v1/znodes/*' }
    t.equal(delta(after, before, 'redkeeper_http_requests_total', { ...route, status: '404' }), 1, 'one 404')
    t.equal(delta(after, before, 'redkeeper_http_requests_total', { ...route, status: '200' }), 1, 'one 200')
    t.equal(delta(after, before, 'redkeeper_http_request_duration_seconds_count', route), 2, 'both timed')
    t.equal(delta(after, before, 'redkeeper_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1, 'an unknown URL is one series, not one per URL')
    t.notOk(after.samples.some((x) => (x.labels.route ?? '').includes(tag)), 'no URL became a label')
    // the scrape before this one is counted by the time of this one
    t.ok(delta(after, before, 'redkeeper_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }) >= 1, '/metrics itself')
    t.equal(after.types.get('redkeeper_http_request_duration_seconds'), 'histogram')
  })

  t.test('/metrics is in the OpenAPI document', async (t) => {
    const res = await fetch(`${target().base}/openapi.json`)
    const doc = await res.json() as { paths: Record<string, unknown> }
    t.ok('/metrics' in doc.paths)
  })
}
