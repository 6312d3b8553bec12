// GET /v1/sessions, /v1/sessions/{id}, /v1/watches: other clients' sessions,
// ephemerals and watches (src/api/inspector.ts). What they reveal belongs to
// other clients, so only a caller holding the super identity may ask:
// anonymous is 401, any other identity 403.

import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { ApiError } from '../api/errors'
import { Err } from '../engine/codes'
import { noSession, parseSessionId, sessionIdHex, type Inspector } from '../api/inspector'
import { checkPath } from '../api/znodes'
import { callerOf, restScope, securityOf, type RestContext } from './rest-auth'
import * as S from './inspect-schemas'

export type InspectRoutesOptions = RestContext & { inspector: Inspector }

/** Throws unless the caller holds super (the identity `addauth digest` with --super-digest, or a token mapped to super:). */
export function requireSuper (req: FastifyRequest): void {
  const c = callerOf(req)
  if (c.via === 'anonymous') throw new ApiError(401, 'AUTHREQUIRED', 'inspection needs the super identity (Authorization: Bearer or Basic)')
  if (!c.ids.some((id) => id.scheme === 'super')) throw new ApiError(403, 'NOAUTH', 'inspection needs the super identity', Err.NOAUTH)
}

export const inspectRoutes: FastifyPluginCallback<InspectRoutesOptions> = (app, opts, done) => {
  const ins = opts.inspector
  restScope(app, opts)
  app.addHook('preHandler', async (req) => { requireSuper(req) })
  const common = { tags: ['inspection'], security: securityOf(opts, true) }

  app.get<{ Querystring: { limit: number } }>('/v1/sessions', {
    schema: { ...common, summary: 'Live sessions with their timeout, deadline and counts (super only)', querystring: S.sessionsQuery, response: { 200: S.sessionsReply, ...S.inspectErrors } }
  }, async (req) => {
    const r = await ins.sessions(req.query.limit)
    return { sessions: r.sessions.map((s) => ({ ...s, id: sessionIdHex(s.id) })), truncated: r.truncated }
  })

  app.get<{ Params: { id: string } }>('/v1/sessions/:id', {
    schema: { ...common, summary: 'One session: its ephemerals and watches (super only); 404 NOSESSION', params: S.sessionParams, response: { 200: S.sessionReply, ...S.inspectErrors, 404: S.inspectErrors[400] } }
  }, async (req) => {
    const id = parseSessionId(req.params.id)
    const s = await ins.session(id)
    if (s === undefined) throw noSession(req.params.id)
    return { ...s, id: sessionIdHex(s.id) }
  })

  app.get<{ Querystring: { path?: string } }>('/v1/watches', {
    schema: { ...common, summary: 'Who watches a path, or the watch summary without one (super only)', querystring: S.watchesQuery, response: { 200: S.watchesReply, ...S.inspectErrors } }
  }, async (req) => {
    const path = req.query.path
    if (path === undefined) return ins.watchTotals()
    checkPath(path)
    const w = await ins.watchers(path)
    return { path, data: w.data.map(sessionIdHex), child: w.child.map(sessionIdHex) }
  })

  done()
}
