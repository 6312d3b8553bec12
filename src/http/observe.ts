// Every HTTP response, once it has left: counted and timed for /metrics
// (per route pattern and status), and, when it failed (4xx/5xx), one log
// line with the route, the status and the ZooKeeper error of its body.
// Successes are not logged: probes come every few seconds. Added on the root
// instance so that it sees every plugin's routes; request.log carries
// Fastify's reqId, so a failure's line and any other line of the same
// request share it.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UNMATCHED_ROUTE, type HttpMetrics } from '../metrics'

/** The ZooKeeper error name in a failed response's JSON body ("NONODE", "BADARGUMENTS", ...). */
const failures = new WeakMap<FastifyRequest, string>()

function errorName (payload: unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined
  try {
    const body = JSON.parse(payload) as { error?: unknown }
    // the API's names are ZooKeeper's (NONODE, BADARGUMENTS); Fastify's own 404 says "Not Found"
    return typeof body.error === 'string' && /^[A-Z][A-Z0-9_]*$/.test(body.error) ? body.error : undefined
  } catch {
    return undefined
  }
}

export function observeRequests (app: FastifyInstance, metrics: HttpMetrics | undefined): void {
  // only failures pay for reading their body back
  app.addHook('onSend', (req, reply, payload, done) => {
    if (reply.statusCode >= 400) {
      const name = errorName(payload)
      if (name !== undefined) failures.set(req, name)
    }
    done(null, payload)
  })
  app.addHook('onResponse', (req, reply, done) => {
    // the pattern ("/v1/znodes/*"), so that paths do not become series
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE
    const status = reply.statusCode
    metrics?.record(req.method, route, status, reply.elapsedTime / 1000)
    if (status >= 400) {
      const line = { method: req.method, route, url: req.url, status, error: failures.get(req), ms: Math.round(reply.elapsedTime * 1000) / 1000 }
      // a client's mistake is routine (info); a failure of ours is not (warn)
      if (status >= 500) req.log.warn(line, 'HTTP request failed')
      else req.log.info(line, 'HTTP request refused')
    }
    done()
  })
}
