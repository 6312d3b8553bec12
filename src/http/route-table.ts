// Every route an app registers: what the OpenAPI test checks the document
// against, and a cheap inventory for operators.

import type { FastifyInstance } from 'fastify'

export interface RouteEntry {
  method: string
  url: string
  /**
   * A WebSocket upgrade route (GET /v1/zk): @fastify/websocket hides these
   * from OpenAPI, which cannot describe them; docs/protocol.md does.
   */
  websocket: boolean
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>()

/** Starts recording; call before any plugin registers routes. */
export function trackRoutes (app: FastifyInstance): void {
  const table: RouteEntry[] = []
  tables.set(app, table)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const websocket = (route as { websocket?: boolean }).websocket === true
    for (const m of methods) table.push({ method: m, url: route.url, websocket: websocket && m === 'GET' })
  })
}

/** The routes recorded for `app` (its root instance). */
export function registeredRoutes (app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? []
}
