// GET /metrics: Prometheus text exposition of this process (see
// docs/operations.md for every metric). Gauges that need the store are read
// here, once per scrape, never per request.

import type { FastifyPluginCallback } from 'fastify'
import { CONTENT_TYPE, renderMetrics, startProcessMetrics, type HttpMetrics, type MetricsSource } from '../metrics'

export interface MetricsOptions {
  source: MetricsSource
  /** the app's HTTP request series (observe.ts) */
  http?: HttpMetrics
}

export const metricsRoutes: FastifyPluginCallback<MetricsOptions> = (app, opts, done) => {
  startProcessMetrics()
  app.get('/metrics', {
    schema: {
      description: 'Prometheus metrics (text exposition format 0.0.4)',
      produces: ['text/plain'],
      response: { 200: { type: 'string' } }
    }
  }, async (_req, reply) => {
    const text = await renderMetrics(opts.source, opts.http)
    return reply.type(CONTENT_TYPE).send(text)
  })
  done()
}
