// The watch stream (docs/rest.md "Watch stream"): GET /v1/watch as
// Server-Sent Events, GET /v1/watch/ws as a WebSocket. Each stream is a
// ZooKeeper session of its own with a persistent (recursive) watch, opened
// through the process's WatchGateway, so this plugin is the same on the
// embedded server and on a node. Everything that can be refused (auth, path,
// NOAUTH, the stream limit) is refused before the stream starts, with the
// API's JSON errors; after that, only an `error` event ends it.

import type { Socket } from 'node:net'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { badArguments } from '../api/errors'
import { checkWatchable, DEFAULT_MAX_WATCH_STREAMS, tooManyStreams, type WatchGateway } from '../api/watch-stream'
import { callerOf, restScope, securityOf, type RestContext } from './rest-auth'
import { errorReplies } from './rest-schemas'
import { WatchFeed, type FeedWriter } from './watch-feed'

export type WatchRoutesOptions = RestContext & { watch: WatchGateway }

interface WatchQuery { path: string, recursive: boolean, data: boolean }

const watchQuery = {
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string', description: 'the znode path to watch; it need not exist yet' },
    recursive: { type: 'boolean', default: true, description: 'persistent-recursive watch (the path and everything below it); false: persistent watch on the path alone (its data and its children list)' },
    data: { type: 'boolean', default: false, description: 'created/dataChanged events also carry the znode\'s data (text or base64, as GET encoding=auto) and stat, read right after the event: they may be newer than it' }
  },
  additionalProperties: false
} as const

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // the stream is the connection: when it ends, so does the socket (no idle keep-alive left for shutdown to wait on)
  connection: 'close',
  // nginx and friends: pass events on as they come
  'x-accel-buffering': 'no'
}

function sseWriter (res: NodeJS.WritableStream & { writableLength: number, end: () => unknown }): FeedWriter {
  return {
    send: (event, body) => { res.write(`event: ${event}\ndata: ${JSON.stringify(body)}\n\n`) },
    ping: () => { res.write(': ping\n\n') },
    get backlog () { return res.writableLength },
    end: () => { res.end() }
  }
}

/** WebSocket close codes: 1000 the stream is over, 1011 it ended on an error event. */
function wsWriter (ws: WebSocket): FeedWriter {
  return {
    send: (event, body) => { ws.send(JSON.stringify({ event, ...body })) },
    ping: () => { ws.ping() },
    get backlog () { return ws.bufferedAmount },
    end: (error) => { ws.close(error ? 1011 : 1000) }
  }
}


/**
 * One Server-Sent Event, as OpenAPI 3.1 describes a text/event-stream
 * response (its schema is each event's): the data is one line of JSON.
 */
const sseEventSchema = {
  type: 'object',
  required: ['event', 'data'],
  properties: {
    event: { type: 'string', enum: ['ready', 'change', 'error'] },
    data: { type: 'string', description: 'JSON: ready {path, recursive, session}; change {type, path[, data, encoding, stat]}; error {error, message}' }
  }
} as const

export const watchRoutes: FastifyPluginCallback<WatchRoutesOptions> = (app, opts, done) => {
  const max = opts.auth.maxWatchStreams ?? DEFAULT_MAX_WATCH_STREAMS
  const feeds = new Set<WatchFeed>()
  // counted from the moment a stream is admitted, so that racing opens cannot pass the limit
  let admitted = 0
  // the WebSocket route opens its stream before the upgrade (preHandler) and takes it up after
  const opened = new WeakMap<FastifyRequest, WatchFeed>()

  restScope(app, opts)

  /** Admits, checks and opens a stream for `req`; throws the API's errors. Cleaned up when `socket` closes. */
  async function openFeed (req: FastifyRequest<{ Querystring: WatchQuery }>, socket: Socket): Promise<WatchFeed> {
    if (admitted >= max) throw tooManyStreams(max)
    admitted++
    const { path, recursive, data } = req.query
    const ids = callerOf(req).ids
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      admitted--
    }
    const feed: WatchFeed = new WatchFeed({
      gateway: opts.gateway,
      ids,
      path,
      recursive,
      withData: data,
      onDone: () => {
        feeds.delete(feed)
        release()
      },
      onFailure: (err) => req.log.warn({ err, path }, 'watch stream: a store call failed')
    })
    try {
      await checkWatchable(opts.gateway, ids, path)
      feeds.add(feed)
      feed.bind(await opts.watch.openWatch(path, { recursive }, ids, feed.handlers))
    } catch (err) {
      feed.close()
      release()
      throw err
    }
    // The TCP connection is the stream: when it goes (client gone, proxy
    // timeout, upgrade never finished), the session goes.
    if (socket.destroyed) feed.close()
    else socket.once('close', () => feed.close())
    return feed
  }

  const common = { tags: ['watch'], security: securityOf(opts, false) }

  app.get<{ Querystring: WatchQuery }>('/v1/watch', {
    // HEAD must not open a session
    exposeHeadRoute: false,
    schema: {
      ...common,
      summary: 'Stream the ZooKeeper watch events under a path as Server-Sent Events (event: ready, change, error; ": ping" every 15 s)',
      querystring: watchQuery,
      response: {
        200: { description: 'text/event-stream: `event: ready` {path, recursive, session}, then `event: change` {type, path[, data, encoding, stat]} per event; `event: error` {error, message} ends it', content: { 'text/event-stream': { schema: sseEventSchema } } },
        ...errorReplies
      }
    }
  }, async (req, reply) => {
    const feed = await openFeed(req, req.raw.socket)
    void reply.hijack()
    const res = reply.raw
    res.writeHead(200, SSE_HEADERS)
    // the response closes with its connection (Connection: close): the client is gone
    res.on('close', () => feed.close())
    // a write racing the client's disconnect: end quietly, never an unhandled 'error'
    res.on('error', () => feed.close())
    feed.start(sseWriter(res))
  })

  app.get<{ Querystring: WatchQuery }>('/v1/watch/ws', {
    websocket: true,
    exposeHeadRoute: false,
    schema: { querystring: watchQuery },
    preHandler: async (req) => {
      if (!req.ws) throw badArguments('GET /v1/watch/ws is a WebSocket upgrade; /v1/watch serves the same stream as Server-Sent Events')
      // before the upgrade: a refusal is still an HTTP reply with the API's JSON
      opened.set(req, await openFeed(req, req.raw.socket))
    }
  }, (socket, req) => {
    const feed = opened.get(req)
    if (feed === undefined) {
      socket.close(1011)
      return
    }
    socket.on('close', () => feed.close())
    socket.on('error', () => feed.close())
    feed.start(wsWriter(socket))
  })

  // Open streams never end by themselves: end them, or closing the HTTP server waits forever.
  app.addHook('preClose', async () => {
    for (const f of [...feeds]) f.close()
  })

  done()
}
