// JSON schemas of the REST API. They validate requests and serialise replies,
// and @fastify/swagger turns the same objects into /openapi.json: one source,
// so the document cannot drift from what the server does.

import { CREATE_MODES, TREE_DEFAULT_DEPTH, TREE_DEFAULT_LIMIT, TREE_MAX_DEPTH, TREE_MAX_LIMIT } from '../api/znodes'

export const errorSchema = {
  type: 'object',
  description: 'Every error: the ZooKeeper error name (and code) where one applies',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'NONODE, NODEEXISTS, NOTEMPTY, BADVERSION, NOAUTH, INVALIDACL, BADARGUMENTS, AUTHFAILED, AUTHREQUIRED, NOTUTF8, UNAVAILABLE, …' },
    code: { type: 'integer', description: "ZooKeeper's KeeperException code" },
    message: { type: 'string' }
  },
  additionalProperties: false
} as const

export const statSchema = {
  type: 'object',
  description: "ZooKeeper's Stat (zxids and session ids as numbers: they stay below 2^53)",
  required: ['czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid'],
  properties: {
    czxid: { type: 'integer' },
    mzxid: { type: 'integer' },
    ctime: { type: 'integer' },
    mtime: { type: 'integer' },
    version: { type: 'integer' },
    cversion: { type: 'integer' },
    aversion: { type: 'integer' },
    ephemeralOwner: { type: 'integer' },
    dataLength: { type: 'integer' },
    numChildren: { type: 'integer' },
    pzxid: { type: 'integer' }
  },
  additionalProperties: false
} as const

const dataSchema = { type: ['string', 'null'], description: 'the data in `encoding`; null is ZooKeeper null data (distinct from "")' } as const
const encodingOut = { type: 'string', enum: ['text', 'base64'] } as const

export const pathParams = {
  type: 'object',
  required: ['*'],
  properties: { '*': { type: 'string', description: 'the znode path without its leading "/" (empty for the root); percent-encode what URLs reserve' } }
} as const

export const readQuery = {
  type: 'object',
  properties: {
    encoding: { type: 'string', enum: ['auto', 'text', 'base64'], default: 'auto', description: 'auto: text when the data is UTF-8, else base64; text refuses non-UTF-8 data with 422' }
  }
} as const

export const treeQuery = {
  type: 'object',
  properties: {
    depth: { type: 'integer', minimum: 0, maximum: TREE_MAX_DEPTH, default: TREE_DEFAULT_DEPTH, description: 'levels below the znode (0: the znode only)' },
    limit: { type: 'integer', minimum: 1, maximum: TREE_MAX_LIMIT, default: TREE_DEFAULT_LIMIT, description: 'most znodes listed' },
    data: { type: 'boolean', default: false, description: 'include each znode\'s data' },
    encoding: readQuery.properties.encoding
  }
} as const

export const deleteQuery = {
  type: 'object',
  properties: {
    recursive: { type: 'boolean', default: false, description: 'delete the whole subtree, leaves first, in atomic batches (see docs/rest.md)' }
  }
} as const

export const ifMatchHeaders = {
  type: 'object',
  properties: {
    'if-match': { type: 'string', description: 'the znode version the write expects (ETag of GET); absent or * = any version' }
  }
} as const

const aclEntry = {
  type: 'object',
  required: ['scheme', 'id', 'perms'],
  properties: {
    scheme: { type: 'string', minLength: 1 },
    id: { type: 'string' },
    perms: { anyOf: [{ type: 'string', pattern: '^[cdrwa]*$' }, { type: 'integer', minimum: 0, maximum: 31 }], description: 'letters of cdrwa, or the ZooDefs.Perms mask' }
  },
  additionalProperties: false
} as const

const aclOut = {
  type: 'object',
  required: ['scheme', 'id', 'perms'],
  properties: { scheme: { type: 'string' }, id: { type: 'string' }, perms: { type: 'string' } },
  additionalProperties: false
} as const

export const createBody = {
  type: 'object',
  properties: {
    data: { type: ['string', 'null'], description: 'absent or null: null data' },
    encoding: { type: 'string', enum: ['text', 'base64'], default: 'text' },
    acl: { type: 'array', items: aclEntry, minItems: 1, description: 'default world:anyone:cdrwa (OPEN_ACL_UNSAFE)' },
    mode: { type: 'string', enum: [...Object.keys(CREATE_MODES), 'ephemeral', 'ephemeral_sequential'], default: 'persistent', description: 'ephemeral modes are refused (400): the znode would belong to no client' },
    ttl: { type: 'integer', minimum: 1, description: 'ms, for the *_with_ttl modes (needs extended types)' }
  },
  additionalProperties: false
} as const

export const setAclBody = {
  type: 'object',
  required: ['acl'],
  properties: {
    acl: { type: 'array', items: aclEntry, description: 'the new ACL (an empty one is INVALIDACL, as in ZooKeeper); the auth scheme expands to the caller\'s identities' },
    version: { type: 'integer', minimum: -1, maximum: 2147483647, description: 'the ACL version (stat.aversion) expected; -1 or absent: any. If-Match says the same.' }
  },
  additionalProperties: false
} as const

export const setBody = {
  type: 'object',
  required: ['data'],
  properties: {
    data: dataSchema,
    encoding: { type: 'string', enum: ['text', 'base64'], default: 'text' }
  },
  additionalProperties: false
} as const

export const nodeReply = {
  type: 'object',
  required: ['path', 'data', 'encoding', 'stat'],
  properties: { path: { type: 'string' }, data: dataSchema, encoding: encodingOut, stat: statSchema },
  additionalProperties: false
} as const

export const statReply = {
  type: 'object',
  required: ['path', 'stat'],
  properties: { path: { type: 'string' }, stat: statSchema },
  additionalProperties: false
} as const

export const aclReply = {
  type: 'object',
  required: ['path', 'acl', 'stat'],
  properties: { path: { type: 'string' }, acl: { type: 'array', items: aclOut }, stat: statSchema },
  additionalProperties: false
} as const

export const childrenReply = {
  type: 'object',
  required: ['path', 'children', 'stat'],
  properties: { path: { type: 'string' }, children: { type: 'array', items: { type: 'string' } }, stat: statSchema },
  additionalProperties: false
} as const

export const treeReply = {
  type: 'object',
  required: ['path', 'depth', 'limit', 'truncated', 'nodes'],
  properties: {
    path: { type: 'string' },
    depth: { type: 'integer' },
    limit: { type: 'integer' },
    truncated: { type: 'boolean', description: 'some znode within the subtree was left out (depth or limit)' },
    nodes: {
      type: 'array',
      description: 'breadth first; a znode the caller may not read carries error instead of stat',
      items: {
        type: 'object',
        required: ['path', 'depth'],
        properties: {
          path: { type: 'string' },
          depth: { type: 'integer' },
          stat: statSchema,
          data: dataSchema,
          encoding: encodingOut,
          children: { type: 'array', items: { type: 'string' } },
          error: { type: 'string' }
        },
        additionalProperties: false
      }
    }
  },
  additionalProperties: false
} as const

export const deleteReply = {
  type: 'object',
  required: ['path', 'deleted'],
  properties: { path: { type: 'string' }, deleted: { type: 'integer', description: 'znodes deleted' } },
  additionalProperties: false
} as const

/** The error replies every znode route may give. */
export const errorReplies = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  503: errorSchema
} as const
