// The node's own HTTP routes: the WebSocket API at GET /v1/zk (and its
// multiplexed form at GET /v1/zk/mux, mux.ts) and the
// four-letter words at GET /v1/fourletter/:word. (/healthz, /readyz and
// /v1/status come from src/http.)

import { Readable } from 'node:stream'
import type { FastifyPluginCallback } from 'fastify'
import type { WebSocketLike } from './connection'
import { answerNodeFourLetterWord, isFourLetterWord, type NodeFourLetterSource } from './fourletter'

export interface NodeRoutesOptions {
  /** a sidecar connected: `address` is the peer IP as ZooKeeper would print it */
  accept: (ws: WebSocketLike, address: string, port: number) => void
  /** a sidecar opened the multiplexed WebSocket (GET /v1/zk/mux); absent: the route is not served (404) */
  acceptMux?: (ws: WebSocketLike, address: string, port: number) => void
  fourLetter: NodeFourLetterSource
}

const wordParams = {
  type: 'object',
  required: ['word'],
  properties: { word: { type: 'string', pattern: '^[a-z]{4}$' } },
  additionalProperties: false
} as const

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
  additionalProperties: false
} as const

/** "::ffff:127.0.0.1" (IPv4 on a dual-stack socket) → "127.0.0.1", as Java reports it. */
export function normalizeAddress (addr: string | undefined): string {
  if (addr === undefined) return 'unknown'
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.substring(7) : addr
}

export const nodeRoutes: FastifyPluginCallback<NodeRoutesOptions> = (app, opts, done) => {
  app.get('/v1/zk', { websocket: true }, (socket, req) => {
    const raw = req.raw.socket
    opts.accept(socket as unknown as WebSocketLike, normalizeAddress(raw.remoteAddress), raw.remotePort ?? 0)
  })

  const acceptMux = opts.acceptMux
  if (acceptMux !== undefined) {
    app.get('/v1/zk/mux', { websocket: true }, (socket, req) => {
      const raw = req.raw.socket
      acceptMux(socket as unknown as WebSocketLike, normalizeAddress(raw.remoteAddress), raw.remotePort ?? 0)
    })
  }

  app.get<{ Params: { word: string } }>('/v1/fourletter/:word', {
    schema: {
      params: wordParams,
      response: { 200: { type: 'string' }, 404: errorSchema }
    }
  }, async (req, reply) => {
    const { word } = req.params
    if (!isFourLetterWord(word)) return reply.code(404).send({ error: `'${word}' is not a ZooKeeper four-letter word` })
    const text = await answerNodeFourLetterWord(word, opts.fourLetter)
    reply.type('text/plain; charset=utf-8')
    // the table dumps arrive in batches: streamed, not built whole
    return reply.send(typeof text === 'string' ? text : Readable.from(text))
  })
  done()
}
