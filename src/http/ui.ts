// GET /ui/: the web page (src/http/ui/*: hand-written HTML, CSS and JS, no
// framework and no CDN). It is only a client of the REST API and the watch
// stream, so it grants nothing the API does not: the browser sends the
// credentials typed into the page as Authorization, like any other caller.
//
// The files are few and small: read once at registration, served from
// memory with a strong ETag. They are not fingerprinted, so browsers must
// revalidate (no-cache) rather than keep a stale page after an upgrade.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'

/** The page's files: the only names /ui/{file} answers. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8'
}

/**
 * Only the page's own files, and fetches to this origin (REST and the watch
 * stream). No inline script or style, so an injected znode name or value
 * rendered by mistake as markup still could not run.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

export class UiFilesMissingError extends Error {
  constructor (dir: string, cause: unknown) {
    super(`the web page's files are missing from ${dir} (run npm run build): ${(cause as Error).message}`)
    this.name = 'UiFilesMissingError'
  }
}

interface Asset { body: Buffer, type: string, etag: string }

/**
 * The files next to this module: src/http/ui when run from source (tests
 * importing src/), dist/src/http/ui once built (scripts/copy-ui.js), which
 * the package's "files" (dist/src) ships too.
 */
export function loadUiAssets (dir = join(__dirname, 'ui')): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const [name, type] of Object.entries(FILES)) {
    let body: Buffer
    try {
      body = readFileSync(join(dir, name))
    } catch (err) {
      throw new UiFilesMissingError(dir, err)
    }
    const etag = '"' + createHash('sha256').update(body).digest('base64url').slice(0, 22) + '"'
    assets.set(name, { body, type, etag })
  }
  return assets
}

const fileReply = {
  200: { description: 'the file', content: { 'text/html': { schema: { type: 'string' } }, 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
  304: { description: 'not modified (If-None-Match)', type: 'null' },
  404: { description: 'no such file', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } }
}
const redirectReply = { 302: { description: 'to /ui/', type: 'null' } }

export const uiRoutes: FastifyPluginCallback = (app, _opts, done) => {
  const assets = loadUiAssets()

  const send = (req: FastifyRequest, reply: FastifyReply, name: string): FastifyReply => {
    const a = assets.get(name)
    if (a === undefined) return reply.code(404).send({ error: 'NOTFOUND', message: `no file ${name} in the web page` })
    reply
      .header('content-security-policy', UI_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', a.etag)
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send()
    return reply.type(a.type).send(a.body)
  }

  const tags = ['ui']
  // "/" belongs to the page only while no other plugin wants it
  if (!app.hasRoute({ method: 'GET', url: '/' })) {
    app.get('/', { schema: { tags, summary: 'Redirects to the web page', response: redirectReply } }, async (_req, reply) => reply.redirect('/ui/'))
  }
  app.get('/ui', { schema: { tags, summary: 'Redirects to /ui/ (the page\'s relative links need the slash)', response: redirectReply } }, async (_req, reply) => reply.redirect('/ui/'))
  app.get('/ui/', { schema: { tags, summary: 'The web page (docs/ui.md)', response: fileReply } }, async (req, reply) => send(req, reply, 'index.html'))
  app.get<{ Params: { file: string } }>('/ui/:file', {
    schema: { tags, summary: 'A file of the web page', params: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } }, response: fileReply }
  }, async (req, reply) => send(req, reply, req.params.file))
  done()
}
