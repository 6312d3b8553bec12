// HBaseTreeReader (src/hbase) over a REST caller's gateway: every read is the
// ZooKeeper request a client holding the caller's identities would send, so
// ACLs apply; a znode they may not read becomes ZnodeReadError, which the
// summary reports under `problems` and goes on.

import { Err } from '../engine/codes'
import type { Id } from '../engine/types'
import { ZnodeReadError, type HBaseTreeReader } from '../hbase'
import { ApiError } from './errors'
import type { ZkGateway } from './gateway'
import * as api from './znodes'

function readError (err: unknown, path: string): never {
  if (err instanceof ApiError && err.code !== undefined) throw new ZnodeReadError(path, err.code, err.error)
  throw err
}

export function gatewayReader (gw: ZkGateway, ids: readonly Id[]): HBaseTreeReader {
  return {
    async getData (path) {
      try {
        const r = await api.getData(gw, ids, path)
        return r.data ?? new Uint8Array(0)
      } catch (err) {
        if (err instanceof ApiError && err.code === Err.NONODE) return null
        return readError(err, path)
      }
    },
    async getChildren (path) {
      try {
        return (await api.getChildren(gw, ids, path)).children
      } catch (err) {
        if (err instanceof ApiError && err.code === Err.NONODE) return []
        return readError(err, path)
      }
    }
  }
}
