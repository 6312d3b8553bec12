// The caller of a REST route, as ZooKeeper identities (src/api/credentials.ts),
// settled in onRequest: before the body is parsed, so an unauthenticated write
// is 401 whatever it carries. Every REST plugin (znodes now; sessions,
// watches, HBase views later) calls restScope() on its own encapsulated
// instance and reads callerOf(req) in its handlers.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { identify, type ApiAuthConfig, type Caller } from '../api/credentials'
import { ApiError } from '../api/errors'
import type { ZkGateway } from '../api/gateway'
import type { Inspector } from '../api/inspector'
import type { WatchGateway } from '../api/watch-stream'
import type { AuthConfig } from '../server/auth'
import { restErrorHandler } from './rest-errors'

/** What every REST plugin is registered with. */
export interface RestContext {
  gateway: ZkGateway
  /** the API's own credentials (token → identities) and whether anonymous reads are refused */
  auth: ApiAuthConfig
  /** the server's superDigest: Basic super:<password> is super, as addauth digest is */
  zkAuth: AuthConfig
  /** other clients' sessions and watches (src/http/inspect.ts); absent: those routes are not served */
  inspector?: Inspector
  /** the watch stream (src/http/watch.ts); absent: not served */
  watch?: WatchGateway
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the REST caller (set by restAuth's onRequest hook) */
    zkCaller: Caller | null
  }
}

/**
 * Makes `app` (an encapsulated plugin instance) a REST scope: JSON errors
 * with ZooKeeper names, and the caller check (reads may be anonymous unless
 * requireAuth; writes never).
 */
export function restScope (app: FastifyInstance, ctx: RestContext): void {
  app.setErrorHandler(restErrorHandler)
  app.decorateRequest('zkCaller', null)
  app.addHook('onRequest', async (req) => {
    const write = req.method !== 'GET' && req.method !== 'HEAD'
    const c = identify(req.headers.authorization, ctx.auth, ctx.zkAuth, req.ip)
    if (c.via === 'anonymous' && (write || ctx.auth.requireAuth === true)) {
      throw new ApiError(401, 'AUTHREQUIRED', write ? 'writes need credentials (Authorization: Bearer or Basic)' : 'this server refuses anonymous callers')
    }
    req.zkCaller = c
  })
}

export function callerOf (req: FastifyRequest): Caller {
  if (req.zkCaller === null) throw new Error('a REST route outside restScope')
  return req.zkCaller
}

type Security = Array<Record<string, string[]>>

/** OpenAPI security requirements of a route ({} = anonymous allowed). */
export function securityOf (ctx: RestContext, write: boolean): Security {
  return write || ctx.auth.requireAuth === true ? [{ basic: [] }, { bearer: [] }] : [{}, { basic: [] }, { bearer: [] }]
}
