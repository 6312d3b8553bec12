// HBaseTreeReader over our raw ZooKeeper client (src/client): one request per
// call, no watches. NONODE is "missing"; other ZooKeeper errors become
// ZnodeReadError; a lost connection rejects as the client does.

import { Err, OpCode } from '../engine/codes'
import type { ZkClient } from '../client'
import { ZnodeReadError, type HBaseTreeReader } from './reader'

export function zkClientReader (client: ZkClient): HBaseTreeReader {
  const fail = (path: string, err: number): ZnodeReadError => new ZnodeReadError(path, err, Err[err] ?? 'ERROR')
  return {
    async getData (path) {
      const r = await client.request({ type: OpCode.getData, path, watch: false })
      if (r.err === Err.NONODE) return null
      if (r.err !== Err.OK) throw fail(path, r.err)
      return r.body?.data ?? new Uint8Array(0)
    },
    async getChildren (path) {
      const r = await client.request({ type: OpCode.getChildren, path, watch: false })
      if (r.err === Err.NONODE) return []
      if (r.err !== Err.OK) throw fail(path, r.err)
      return [...(r.body?.children ?? [])]
    }
  }
}
