import { OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { decodeHBaseZnode } from '../../src/hbase'

/**
 * HBase's znodes read through our own raw client: what the runner checks
 * besides HBase's view of itself. Payloads are RecoverableZooKeeper-framed
 * (0xFF, int32 id length, id+salt) and then "PBUF" + a protobuf, decoded by
 * src/hbase with HBase's own .proto files; the runner needs only the ServerName.
 */

export interface ZNodeInfo {
  /** "host,port,startcode" from the payload, or null when absent/undecodable */
  server: string | null
  ephemeralOwner: bigint
}

export interface HBaseZnodes {
  master: ZNodeInfo | null
  backupMasters: string[]
  rs: string[]
  metaRegionServer: ZNodeInfo | null
}

export async function readHBaseZnodes (address: string): Promise<HBaseZnodes> {
  const c = await ZkClient.connect(address, { timeout: 10_000 })
  try {
    return {
      master: await node(c, '/hbase/master'),
      backupMasters: await children(c, '/hbase/backup-masters'),
      rs: await children(c, '/hbase/rs'),
      metaRegionServer: await node(c, '/hbase/meta-region-server')
    }
  } finally {
    await c.close().catch(() => {})
  }
}

async function children (c: ZkClient, path: string): Promise<string[]> {
  const r = await c.request({ type: OpCode.getChildren, path, watch: false })
  return r.err === 0 ? [...(r.body?.children ?? [])].sort() : []
}

async function node (c: ZkClient, path: string): Promise<ZNodeInfo | null> {
  const r = await c.request({ type: OpCode.getData, path, watch: false })
  if (r.err !== 0 || r.body?.stat === undefined) return null
  const data = r.body.data
  const owner = BigInt.asUintN(64, BigInt(r.body.stat.ephemeralOwner))
  return { server: data == null ? null : serverNameOf(Buffer.from(data), path.slice('/hbase/'.length)), ephemeralOwner: owner }
}

/** ServerName inside a framed Master/MetaRegionServer payload, as HBase prints it (src/hbase decodes it). */
export function serverNameOf (buf: Buffer, relPath = 'master'): string | null {
  const v = decodeHBaseZnode(relPath, buf)
  return v.kind === 'master' || v.kind === 'meta-region-server' ? v.server.name : null
}
