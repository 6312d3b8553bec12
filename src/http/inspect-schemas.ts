// JSON schemas of the inspection routes (sessions, watches; HBase views are in hbase-schemas.ts):
// they validate queries and serialise replies, and become /openapi.json.

import { SESSIONS_DEFAULT_LIMIT, SESSIONS_MAX_LIMIT } from '../api/inspector'
import { errorSchema } from './rest-schemas'

const sessionId = { type: 'string', pattern: '^0x[0-9a-f]+$', description: 'the session id, exact 64-bit hex (Long.toHexString)' } as const
const paths = { type: 'array', items: { type: 'string' } } as const
const sessionIds = { type: 'array', items: sessionId } as const

export const sessionsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: SESSIONS_MAX_LIMIT, default: SESSIONS_DEFAULT_LIMIT, description: 'most sessions listed' }
  },
  additionalProperties: false
} as const

export const sessionsReply = {
  type: 'object',
  required: ['sessions', 'truncated'],
  properties: {
    sessions: {
      type: 'array',
      description: 'in the session tracker\'s order (node: by deadline)',
      items: {
        type: 'object',
        required: ['id', 'timeout', 'expiresAt', 'ephemerals', 'watches'],
        properties: {
          id: sessionId,
          timeout: { type: 'integer', description: 'negotiated timeout, ms' },
          expiresAt: { type: 'integer', description: 'the deadline the session tracker holds, epoch ms' },
          ephemerals: { type: 'integer', description: 'ephemeral znodes it owns' },
          watches: { type: 'integer', description: 'watch registrations, data and child tables' }
        },
        additionalProperties: false
      }
    },
    truncated: { type: 'boolean', description: 'there were more sessions than limit' }
  },
  additionalProperties: false
} as const

export const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'the session id: 0x followed by up to 16 hex digits' } }
} as const

export const sessionReply = {
  type: 'object',
  required: ['id', 'timeout', 'expiresAt', 'ephemerals', 'watches'],
  properties: {
    id: sessionId,
    timeout: { type: 'integer' },
    expiresAt: { type: 'integer' },
    ephemerals: { ...paths, description: 'paths of its ephemeral znodes, sorted' },
    watches: {
      type: 'object',
      description: 'one-shot data (getData/exists) and child (getChildren) watches, and addWatch persistent and recursive ones; paths sorted',
      required: ['data', 'child', 'persistent', 'recursive'],
      properties: { data: paths, child: paths, persistent: paths, recursive: paths },
      additionalProperties: false
    }
  },
  additionalProperties: false
} as const

export const watchesQuery = {
  type: 'object',
  properties: { path: { type: 'string', description: 'a znode path: list the sessions watching it; absent: the summary' } },
  additionalProperties: false
} as const

export const watchesReply = {
  description: 'with path: who watches it; without: the summary',
  oneOf: [
    {
      type: 'object',
      required: ['path', 'data', 'child'],
      properties: {
        path: { type: 'string' },
        data: { ...sessionIds, description: 'sessions in the data table (getData/exists, persistent, recursive)' },
        child: { ...sessionIds, description: 'sessions in the child table (getChildren, persistent)' }
      },
      additionalProperties: false
    },
    {
      type: 'object',
      required: ['paths', 'watches', 'sessions'],
      properties: {
        paths: { type: 'integer', description: 'distinct watched paths' },
        watches: { type: 'integer', description: 'registrations, both tables' },
        sessions: { type: 'integer', description: 'sessions holding any watch' }
      },
      additionalProperties: false
    }
  ]
} as const

export const inspectErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema } as const
