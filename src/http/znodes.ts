// The znode REST routes: read a znode (data, stat, ACL), its children, a
// subtree; create, set (If-Match), delete (If-Match, recursive). Each route
// resolves the caller's ZooKeeper identities and hands the work to src/api,
// which runs it through the engine as ZooKeeper requests: REST cannot do
// anything those identities could not do over ZooKeeper.

import type { FastifyPluginCallback } from 'fastify'
import { fromJsonAcl, toJsonAcl, type JsonAcl } from '../api/acl'
import { decodeData, encodeData, type ReadEncoding, type WriteEncoding } from '../api/encoding'
import { badArguments } from '../api/errors'
import * as api from '../api/znodes'
import { callerOf, restScope, securityOf, type RestContext } from './rest-auth'
import * as S from './rest-schemas'

export type ZnodeRoutesOptions = RestContext

type Wild = { '*': string }

/** The URL's wildcard as a znode path ("" → "/"). */
function znodePath (params: Wild): string {
  return '/' + params['*']
}

/** If-Match → the version a write expects; -1 (any) when absent or "*". Accepts 3, "3" and W/"3". */
export function expectedVersion (header: string | undefined): number {
  if (header === undefined) return -1
  const h = header.trim()
  if (h === '*') return -1
  const m = /^(?:W\/)?"?(-?\d{1,10})"?$/.exec(h)
  const v = m === null ? NaN : Number(m[1])
  if (!Number.isInteger(v) || v < -1 || v > 0x7fffffff) throw badArguments(`If-Match ${JSON.stringify(header)} is not a znode version`)
  return v
}

function etag (version: number): string {
  return `"${version}"`
}

/** "/a b/c" → "/v1/znodes/a%20b/c" */
function location (path: string): string {
  return '/v1/znodes' + path.split('/').map(encodeURIComponent).join('/')
}

export const znodeRoutes: FastifyPluginCallback<ZnodeRoutesOptions> = (app, opts, done) => {
  const gw = opts.gateway
  // base64 data of a znode near jute.maxbuffer, plus the JSON around it
  const bodyLimit = Math.ceil(gw.maxBuffer * 4 / 3) + 64 * 1024

  restScope(app, opts)
  const read = { tags: ['znodes'], security: securityOf(opts, false) }
  const write = { tags: ['znodes'], security: securityOf(opts, true) }

  app.get<{ Params: Wild, Querystring: { encoding: ReadEncoding } }>('/v1/znodes/*', {
    schema: {
      ...read,
      summary: 'Read a znode: data and stat (getData). ETag is its version.',
      params: S.pathParams,
      querystring: S.readQuery,
      response: { 200: S.nodeReply, ...S.errorReplies, 422: S.errorSchema }
    }
  }, async (req, reply) => {
    const path = znodePath(req.params)
    const r = await api.getData(gw, callerOf(req).ids, path)
    void reply.header('etag', etag(r.stat.version))
    return { path: r.path, ...encodeData(r.data, req.query.encoding, path), stat: r.stat }
  })

  app.get<{ Params: Wild }>('/v1/stat/*', {
    schema: { ...read, summary: 'A znode\'s stat (exists); 404 when there is none', params: S.pathParams, response: { 200: S.statReply, ...S.errorReplies } }
  }, async (req, reply) => {
    const r = await api.exists(gw, callerOf(req).ids, znodePath(req.params))
    void reply.header('etag', etag(r.stat.version))
    return r
  })

  app.get<{ Params: Wild }>('/v1/acl/*', {
    schema: { ...read, summary: 'A znode\'s ACL and stat (getACL)', params: S.pathParams, response: { 200: S.aclReply, ...S.errorReplies } }
  }, async (req) => {
    const r = await api.getAcl(gw, callerOf(req).ids, znodePath(req.params))
    return { path: r.path, acl: toJsonAcl(r.acl), stat: r.stat }
  })

  app.put<{ Params: Wild, Body: { acl: JsonAcl[], version?: number }, Headers: { 'if-match'?: string } }>('/v1/acl/*', {
    schema: {
      ...write,
      summary: 'Set a znode\'s ACL (setACL); the ACL version (aversion) expected comes from version or If-Match (412 BADVERSION)',
      params: S.pathParams,
      headers: S.ifMatchHeaders,
      body: S.setAclBody,
      response: { 200: S.statReply, ...S.errorReplies, 412: S.errorSchema, 413: S.errorSchema }
    }
  }, async (req) => {
    const who = callerOf(req)
    const header = expectedVersion(req.headers['if-match'])
    const body = req.body.version ?? -1
    if (header !== -1 && body !== -1 && header !== body) throw badArguments(`If-Match ${header} and version ${body} disagree`)
    return api.setAcl(gw, who.ids, znodePath(req.params), fromJsonAcl(req.body.acl), header !== -1 ? header : body)
  })

  app.get<{ Params: Wild }>('/v1/children/*', {
    schema: { ...read, summary: 'A znode\'s children, sorted, and its stat (getChildren2)', params: S.pathParams, response: { 200: S.childrenReply, ...S.errorReplies } }
  }, async (req) => api.getChildren(gw, callerOf(req).ids, znodePath(req.params)))

  app.get<{ Params: Wild, Querystring: { depth: number, limit: number, data: boolean, encoding: ReadEncoding } }>('/v1/tree/*', {
    schema: {
      ...read,
      summary: 'A subtree, breadth first, within depth and count limits',
      params: S.pathParams,
      querystring: S.treeQuery,
      response: { 200: S.treeReply, ...S.errorReplies, 422: S.errorSchema }
    }
  }, async (req) => {
    const q = req.query
    const t = await api.tree(gw, callerOf(req).ids, znodePath(req.params), q.depth, q.limit, q.data)
    return {
      ...t,
      nodes: t.nodes.map((n) => {
        if (!q.data || n.data === undefined) return n
        const { data, ...rest } = n
        return { ...rest, ...encodeData(data, q.encoding, n.path) }
      })
    }
  })

  app.post<{ Params: Wild, Body: { data?: string | null, encoding: WriteEncoding, acl?: JsonAcl[], mode: string, ttl?: number } }>('/v1/znodes/*', {
    bodyLimit,
    // no body at all is a create with every default (null data, open ACL)
    preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {} as never },
    schema: {
      ...write,
      summary: 'Create a znode (create2). Sequential modes name it; Location says where.',
      params: S.pathParams,
      body: S.createBody,
      response: { 201: S.statReply, ...S.errorReplies, 409: S.errorSchema, 413: S.errorSchema, 501: S.errorSchema }
    }
  }, async (req, reply) => {
    const who = callerOf(req)
    const b = req.body ?? { encoding: 'text', mode: 'persistent' }
    if ((api.REFUSED_MODES as readonly string[]).includes(b.mode)) {
      throw badArguments(`mode ${b.mode} is refused over REST: the znode would belong to no client's session`)
    }
    const r = await api.create(gw, who.ids, znodePath(req.params), {
      data: decodeData(b.data, b.encoding ?? 'text'),
      acl: b.acl === undefined ? undefined : fromJsonAcl(b.acl),
      mode: b.mode as api.CreateMode,
      ttl: b.ttl
    })
    void reply.code(201).header('location', location(r.path)).header('etag', etag(r.stat.version))
    return r
  })

  app.put<{ Params: Wild, Body: { data: string | null, encoding: WriteEncoding }, Headers: { 'if-match'?: string } }>('/v1/znodes/*', {
    bodyLimit,
    schema: {
      ...write,
      summary: 'Set a znode\'s data (setData); If-Match: <version> makes it conditional (412 BADVERSION)',
      params: S.pathParams,
      headers: S.ifMatchHeaders,
      body: S.setBody,
      response: { 200: S.statReply, ...S.errorReplies, 412: S.errorSchema, 413: S.errorSchema }
    }
  }, async (req, reply) => {
    const who = callerOf(req)
    const version = expectedVersion(req.headers['if-match'])
    const r = await api.setData(gw, who.ids, znodePath(req.params), decodeData(req.body.data, req.body.encoding ?? 'text'), version)
    void reply.header('etag', etag(r.stat.version))
    return r
  })

  app.delete<{ Params: Wild, Querystring: { recursive: boolean }, Headers: { 'if-match'?: string } }>('/v1/znodes/*', {
    schema: {
      ...write,
      summary: 'Delete a znode (If-Match: <version>), or its whole subtree with recursive=true',
      params: S.pathParams,
      querystring: S.deleteQuery,
      headers: S.ifMatchHeaders,
      response: { 200: S.deleteReply, ...S.errorReplies, 409: S.errorSchema, 412: S.errorSchema }
    }
  }, async (req) => {
    const who = callerOf(req)
    const version = expectedVersion(req.headers['if-match'])
    const path = znodePath(req.params)
    return req.query.recursive ? api.removeTree(gw, who.ids, path, version) : api.remove(gw, who.ids, path, version)
  })

  done()
}
