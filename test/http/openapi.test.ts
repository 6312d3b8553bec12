// /openapi.json: a valid OpenAPI 3.1 document (checked by a maintained
// validator against the official schema) that lists every route the process
// registers, for both topologies. In-process servers, so the test can read
// the app's own route table; real store, real Redis.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import t, { type Test } from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { FastifyInstance } from 'fastify'
import { registeredRoutes } from '../../src/http/route-table'
import { startEmbeddedServer } from '../../src/server'
import { startNode } from '../../src/node'
import { startRedis } from '../support/topology'

t.setTimeout(60_000)

const logger = pino({ level: 'silent' })

/** "/v1/znodes/*" → "/v1/znodes/{*}", as @fastify/swagger writes path templates. */
function templated (url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}')
}

async function checkDocument (t: Test, http: FastifyInstance, port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/openapi.json`)
  t.equal(res.status, 200)
  const doc = await res.json() as { openapi: string, paths: Record<string, Record<string, { responses?: object }>> }
  t.equal(doc.openapi, '3.1.0')

  const result = await new Validator().validate(doc as never)
  t.same(result.errors, undefined, 'no validation errors')
  t.equal(result.valid, true, 'valid OpenAPI 3.1')

  const routes = registeredRoutes(http)
  t.ok(routes.length >= 20, `the app registered ${routes.length} routes`)
  const missing: string[] = []
  for (const { method, url, websocket } of routes) {
    if (websocket) continue // checked by the caller: OpenAPI cannot describe an upgrade
    const item = doc.paths[templated(url)]
    if (item?.[method.toLowerCase()] === undefined) missing.push(`${method} ${url}`)
  }
  t.same(missing, [], 'every registered HTTP route is in the document')
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue
      t.ok(op.responses !== undefined && Object.keys(op.responses).length > 0, `${method.toUpperCase()} ${path} documents its responses`)
    }
  }
  const znodes = doc.paths['/v1/znodes/{*}']
  t.same(Object.keys(znodes).sort(), ['delete', 'get', 'head', 'post', 'put'])
  const watch = doc.paths['/v1/watch'] as unknown as Record<string, { parameters?: Array<{ name: string, in: string, required?: boolean }>, responses: Record<string, { content?: Record<string, unknown> }> }>
  t.same(Object.keys(watch), ['get'], 'the SSE watch stream, GET only (HEAD would open a session)')
  t.same(watch.get.parameters?.map((p) => `${p.in} ${p.name}${p.required === true ? '*' : ''}`).sort(), ['query data', 'query path*', 'query recursive'])
  t.ok(watch.get.responses['200'].content?.['text/event-stream'] !== undefined, 'answers text/event-stream')
}

t.test('embedded server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rk-openapi-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startEmbeddedServer({ host: '127.0.0.1', zkPort: 0, httpPort: 0, dataDir: dir, tickMs: 2000, fsync: false, logger })
  t.teardown(() => server.close())
  await checkDocument(t, server.http, server.httpPort)
  const ws = registeredRoutes(server.http).filter((r) => r.websocket).map((r) => `${r.method} ${r.url}`)
  t.same(ws, ['GET /v1/watch/ws'], 'the only route left out is the watch stream\'s WebSocket (docs/rest.md)')
})

t.test('service node', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode({ redisUrl: redis.url, host: '127.0.0.1', httpPort: 0, logger })
  t.teardown(() => node.close())
  await checkDocument(t, node.http, node.httpPort)
  const ws = registeredRoutes(node.http).filter((r) => r.websocket).map((r) => `${r.method} ${r.url}`)
  t.same(ws.sort(), ['GET /v1/watch/ws', 'GET /v1/zk', 'GET /v1/zk/mux'], 'the only routes left out are the WebSocket upgrades (docs/protocol.md, docs/rest.md)')
})
