// The HTTP side of the server: one Fastify instance sharing the server's pino
// logger, one plugin per concern. Later milestones add REST plugins here.

import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { healthRoutes } from './health'
import type { ServerProbe } from './probe'
import { statusRoutes } from './status'

export interface HttpAppOptions {
  logger: Logger
  probe: ServerProbe
}

export function buildHttpApp (opts: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }),
    // Probes hit these routes every few seconds: a log line per request
    // would drown the server's own messages.
    logController: new LogController({ disableRequestLogging: true })
  })
  app.register(healthRoutes, { probe: opts.probe })
  app.register(statusRoutes, { probe: opts.probe })
  return app as unknown as FastifyInstance
}
