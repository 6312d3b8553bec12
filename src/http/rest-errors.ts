// One error handler for the REST routes: every failure becomes a JSON body
// { error, code?, message } with the right status, whatever raised it (the
// API layer, schema validation, the body parser, an unavailable store).

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Err } from '../engine/codes'
import { ApiError } from '../api/errors'
import { WWW_AUTHENTICATE } from '../api/credentials'
import { GatewayUnavailableError } from '../api/gateway'

export function restErrorHandler (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    if (err.status === 401) void reply.header('www-authenticate', WWW_AUTHENTICATE)
    return reply.code(err.status).send(err.body)
  }
  if (err instanceof GatewayUnavailableError) {
    req.log.warn({ err }, 'REST request refused: store unavailable')
    return reply.code(503).send({ error: 'UNAVAILABLE', message: err.message })
  }
  const fe = err as FastifyError
  if (fe.validation !== undefined) {
    return reply.code(400).send({ error: 'BADARGUMENTS', code: Err.BADARGUMENTS, message: fe.message })
  }
  const status = fe.statusCode ?? 500
  if (status === 413) return reply.code(413).send({ error: 'BADARGUMENTS', code: Err.BADARGUMENTS, message: 'request body too large (data beyond jute.maxbuffer)' })
  if (status >= 400 && status < 500) return reply.code(status).send({ error: 'BADARGUMENTS', code: Err.BADARGUMENTS, message: fe.message })
  req.log.error({ err }, 'REST request failed')
  return reply.code(500).send({ error: 'SYSTEMERROR', code: Err.SYSTEMERROR, message: 'internal error' })
}
