// REST/HTTP requests as Prometheus sees them: a count per (method, route,
// status) and a latency histogram per (method, route). The route is the
// registered pattern ("/v1/znodes/*"), never the URL, so the series stay few.
// Recorded from Fastify's onResponse hook: two Map lookups and number writes.

import type { Exposition } from './exposition'
import { Histogram } from './histogram'

class RouteSeries {
  /** status code → responses */
  readonly statuses = new Map<number, number>()
  readonly latency = new Histogram()
  constructor (readonly method: string, readonly route: string) {}
}

/** The route label of a request no route matched (404s of unknown URLs). */
export const UNMATCHED_ROUTE = 'unmatched'

export class HttpMetrics {
  private readonly byRoute = new Map<string, RouteSeries>()

  record (method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route}`
    let s = this.byRoute.get(key)
    if (s === undefined) {
      s = new RouteSeries(method, route)
      this.byRoute.set(key, s)
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1)
    s.latency.observe(seconds < 0 ? 0 : seconds)
  }

  write (out: Exposition): void {
    const keys = [...this.byRoute.keys()].sort()
    out.family('redkeeper_http_requests_total', 'counter', 'HTTP requests answered (REST API, probes, metrics), by method, route pattern and status code')
    for (const k of keys) {
      const s = this.byRoute.get(k) as RouteSeries
      for (const [status, n] of [...s.statuses].sort((a, b) => a[0] - b[0])) {
        out.sample('redkeeper_http_requests_total', n, { method: s.method, route: s.route, status: String(status) })
      }
    }
    out.family('redkeeper_http_request_duration_seconds', 'histogram', 'Time from an HTTP request\'s arrival to its response finishing, by method and route pattern')
    for (const k of keys) {
      const s = this.byRoute.get(k) as RouteSeries
      out.histogram('redkeeper_http_request_duration_seconds', s.latency, { method: s.method, route: s.route })
    }
  }
}
