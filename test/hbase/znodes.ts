import { OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'

/**
 * HBase's znodes read through our own raw client: what the runner checks
 * besides HBase's view of itself. Payloads are RecoverableZooKeeper-framed
 * (0xFF, int32 id length, id+salt) and then "PBUF" + a protobuf; we decode
 * just the ServerName inside Master / MetaRegionServer (field 1 of both).
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
  return { server: data == null ? null : serverNameOf(Buffer.from(data)), ephemeralOwner: owner }
}

/** ServerName inside a framed Master/MetaRegionServer payload, as HBase prints it. */
export function serverNameOf (buf: Buffer): string | null {
  let off = 0
  if (buf[0] === 0xff) off = 5 + buf.readInt32BE(1)
  if (buf.subarray(off, off + 4).toString('latin1') !== 'PBUF') return null
  const outer = fields(buf.subarray(off + 4))
  const sn = outer.get(1)
  if (!(sn instanceof Buffer)) return null
  const f = fields(sn)
  const host = f.get(1)
  if (!(host instanceof Buffer)) return null
  return `${host.toString('utf8')},${String(f.get(2) ?? 0)},${String(f.get(3) ?? 0)}`
}

// Minimal protobuf reader: varint and length-delimited fields, first occurrence wins.
function fields (b: Buffer): Map<number, bigint | Buffer> {
  const out = new Map<number, bigint | Buffer>()
  let i = 0
  const varint = (): bigint => {
    let v = 0n
    let shift = 0n
    for (;;) {
      if (i >= b.length) throw new Error('truncated varint')
      const byte = b[i++]
      v |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return v
      shift += 7n
    }
  }
  while (i < b.length) {
    const key = Number(varint())
    const field = key >> 3
    const wire = key & 7
    let val: bigint | Buffer
    if (wire === 0) val = varint()
    else if (wire === 2) { const len = Number(varint()); val = b.subarray(i, i + len); i += len }
    else if (wire === 1) { i += 8; continue }
    else if (wire === 5) { i += 4; continue }
    else throw new Error(`unsupported protobuf wire type ${wire}`)
    if (!out.has(field)) out.set(field, val)
  }
  return out
}
