// Every HTTP response, once it has left: counted and timed for /metrics
// (per route pattern and status). Added on the root instance so that it sees
// every plugin's routes.

import type { FastifyInstance } from 'fastify'
import { UNMATCHED_ROUTE, type HttpMetrics } from '../metrics'

export function observeRequests (app: FastifyInstance, metrics: HttpMetrics | undefined): void {
  app.addHook('onResponse', (req, reply, done) => {
    // the pattern ("/v1/znodes/*"), so that paths do not become series
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE
    metrics?.record(req.method, route, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
}
