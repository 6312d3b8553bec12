// Liveness and readiness, for orchestrators and load balancers: /healthz
// answers as long as the process serves HTTP; /readyz only while clients can
// actually be served (store open, ZooKeeper port listening).

import type { FastifyPluginCallback } from 'fastify'
import type { ServerProbe } from './probe'

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
  additionalProperties: false
} as const

export interface HealthOptions {
  probe: ServerProbe
}

export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, opts, done) => {
  app.get('/healthz', { schema: { response: { 200: statusSchema } } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: { response: { 200: statusSchema, 503: statusSchema } } }, async (_req, reply) => {
    if (await opts.probe.ready()) return { status: 'ready' }
    return reply.code(503).send({ status: 'not ready' })
  })
  done()
}
