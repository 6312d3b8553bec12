// GET /v1/hbase and /v1/hbase/znodes/{path}: the HBase views (src/hbase) of
// the tree, read through the caller's gateway, so znode ACLs apply as for any
// REST read; in the summary a znode the caller may not read is a problem
// ("unreadable"), not a failure.

import type { FastifyPluginCallback } from 'fastify'
import { badArguments } from '../api/errors'
import { gatewayReader } from '../api/hbase'
import * as api from '../api/znodes'
import { decodeHBaseZnode, summarizeHBase } from '../hbase'
import { callerOf, restScope, securityOf, type RestContext } from './rest-auth'
import * as S from './hbase-schemas'
import { errorReplies } from './rest-schemas'

/** The parent without a trailing "/" (ZooKeeper's path rules apply). */
function parentOf (text: string): string {
  const p = text.length > 1 ? text.replace(/\/+$/, '') : text
  api.checkPath(p)
  return p
}

/** path relative to parent ("" for parent itself); 400 when it is not under parent */
function relativeTo (parent: string, path: string): string {
  if (path === parent) return ''
  const prefix = parent === '/' ? '/' : parent + '/'
  if (!path.startsWith(prefix)) throw badArguments(`${path} is not under the HBase parent ${parent}`)
  return path.substring(prefix.length)
}

export const hbaseRoutes: FastifyPluginCallback<RestContext> = (app, opts, done) => {
  const gw = opts.gateway
  restScope(app, opts)
  const read = { tags: ['hbase'], security: securityOf(opts, false) }

  app.get<{ Querystring: { parent: string } }>('/v1/hbase', {
    schema: { ...read, summary: 'Summary of the HBase cluster under parent (docs/hbase.md)', querystring: S.hbaseQuery, response: { 200: S.hbaseSummaryReply, ...errorReplies } }
  }, async (req) => summarizeHBase(gatewayReader(gw, callerOf(req).ids), parentOf(req.query.parent)))

  app.get<{ Params: { '*': string }, Querystring: { parent: string } }>('/v1/hbase/znodes/*', {
    schema: { ...read, summary: 'One HBase znode decoded (decodeHBaseZnode), with its stat', params: S.hbaseZnodeParams, querystring: S.hbaseQuery, response: { 200: S.hbaseZnodeReply, ...errorReplies } }
  }, async (req) => {
    const parent = parentOf(req.query.parent)
    const path = '/' + req.params['*']
    const rel = relativeTo(parent, path)
    const r = await api.getData(gw, callerOf(req).ids, path)
    return { path, view: decodeHBaseZnode(rel, r.data), stat: r.stat }
  })

  done()
}
