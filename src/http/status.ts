// GET /v1/status: the numbers an operator checks first, as JSON.

import type { FastifyPluginCallback } from 'fastify'
import type { ServerProbe } from './probe'

const statusSchema = {
  type: 'object',
  required: ['version', 'zookeeperVersion', 'mode', 'zxid', 'nodeCount', 'sessions', 'connections'],
  properties: {
    version: { type: 'string' },
    zookeeperVersion: { type: 'string' },
    mode: { type: 'string' },
    zxid: { type: 'integer' },
    nodeCount: { type: 'integer' },
    sessions: { type: 'integer' },
    connections: { type: 'integer' }
  },
  additionalProperties: false
} as const

export interface StatusOptions {
  probe: ServerProbe
}

export const statusRoutes: FastifyPluginCallback<StatusOptions> = (app, opts, done) => {
  app.get('/v1/status', { schema: { response: { 200: statusSchema } } }, async () => opts.probe.status())
  done()
}
