// The HTTP side of a process (embedded server or service node): one Fastify
// instance sharing the process's pino logger, one plugin per concern, and an
// OpenAPI document generated from the route schemas of all of them.

import Fastify, { LogController, type FastifyInstance } from 'fastify'
import websocket, { type WebsocketPluginOptions } from '@fastify/websocket'
import type { Logger } from 'pino'
import type { TlsOptions } from 'node:tls'
import { healthRoutes } from './health'
import { metricsRoutes } from './metrics'
import { HttpMetrics, type MetricsSource } from '../metrics'
import { observeRequests } from './observe'
import { openApiRoute, registerOpenApi } from './openapi'
import type { ServerProbe } from './probe'
import { trackRoutes } from './route-table'
import { statusRoutes } from './status'
import type { RestContext } from './rest-auth'
import { znodeRoutes } from './znodes'
import { inspectRoutes } from './inspect'
import { hbaseRoutes } from './hbase'
import { uiRoutes } from './ui'
import { watchRoutes } from './watch'
import { rateLimitRequests } from './rate-limit'

export interface HttpAppOptions {
  logger: Logger
  probe: ServerProbe
  /** the REST API (src/api through this process's gateway); absent: not served. Each REST plugin gets it. */
  rest?: RestContext
  /** GET /metrics (Prometheus); absent: not served */
  metrics?: MetricsSource
  /** @fastify/websocket's options (the node's /v1/zk); default: small messages (the watch stream's clients send none) */
  websocket?: WebsocketPluginOptions
  /** serve HTTPS (and wss:) with these options instead of plain HTTP */
  https?: TlsOptions
}

/** What a watch stream's WebSocket client may send (nothing is read; a close frame fits). */
const WATCH_WS_MAX_PAYLOAD = 64 * 1024

export function buildHttpApp (opts: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }),
    ...(opts.https === undefined ? {} : { https: opts.https }),
    // Probes hit these routes every few seconds: a log line per request
    // would drown the server's own messages.
    logController: new LogController({ disableRequestLogging: true }),
    // An unknown body field is a mistake to report (400), not to drop: a
    // misspelt "encoding" must not store text as base64.
    ajv: { customOptions: { removeAdditional: false } },
    // a URL the router cannot decode ("%zz") gets the API's error shape too
    frameworkErrors: (err, _req, reply) => {
      const r = reply as unknown as { code(n: number): { send(body: unknown): unknown } }
      void r.code(400).send({ error: 'BADARGUMENTS', code: -8, message: err.message })
    }
  }) as unknown as FastifyInstance
  // Both before any route: they collect routes as they are added.
  trackRoutes(app)
  registerOpenApi(app)
  // first of the request hooks: a refused request costs no auth check, no body parsing
  const rateLimit = opts.rest?.auth.rateLimit
  if (rateLimit !== undefined) rateLimitRequests(app, rateLimit)
  // at the root, once: each registration would route every upgrade again
  app.register(websocket, opts.websocket ?? { options: { maxPayload: WATCH_WS_MAX_PAYLOAD } })
  const httpMetrics = opts.metrics === undefined ? undefined : new HttpMetrics()
  observeRequests(app, httpMetrics)
  app.register(healthRoutes, { probe: opts.probe })
  app.register(statusRoutes, { probe: opts.probe })
  if (opts.metrics !== undefined) app.register(metricsRoutes, { source: opts.metrics, http: httpMetrics })
  if (opts.rest !== undefined) app.register(znodeRoutes, opts.rest)
  if (opts.rest !== undefined) app.register(hbaseRoutes, opts.rest)
  if (opts.rest?.inspector !== undefined) app.register(inspectRoutes, { ...opts.rest, inspector: opts.rest.inspector })
  if (opts.rest?.watch !== undefined) app.register(watchRoutes, { ...opts.rest, watch: opts.rest.watch })
  // after the others: it takes "/" only when none of them did
  if (opts.rest !== undefined) app.register(uiRoutes)
  app.register(async (child) => { openApiRoute(child) })
  return app
}
