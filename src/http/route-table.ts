// Every route an app registers, as "METHOD url": what the OpenAPI test
// checks the document against, and a cheap inventory for operators.

import type { FastifyInstance } from 'fastify'

const tables = new WeakMap<FastifyInstance, string[]>()

/** Starts recording; call before any plugin registers routes. */
export function trackRoutes (app: FastifyInstance): void {
  const table: string[] = []
  tables.set(app, table)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const m of methods) table.push(`${m} ${route.url}`)
  })
}

/** The routes recorded for `app` (its root instance), e.g. "GET /v1/znodes/*". */
export function registeredRoutes (app: FastifyInstance): readonly string[] {
  return tables.get(app) ?? []
}
