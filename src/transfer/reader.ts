// Walks a tree breadth-first over the client protocol, many znodes in flight
// on one session: getData (raw, for the exact 64-bit ephemeralOwner),
// getACL and getChildren per znode, issued together. Output is in walk
// order, so parents come before children; memory holds the paths waiting to
// be visited (about one tree level) and the data of the znodes in flight,
// never the whole tree.
//
// Like ZooKeeper's own snapshots the walk is fuzzy: a tree changing under it
// is read znode by znode, not at one zxid. A znode deleted mid-walk is left
// out; the header and end line record the zxids seen at start and end.

import { Err, OpCode } from '../engine/codes'
import type { ACL } from '../engine/types'
import { JuteReader, JuteWriter } from '../protocol'
import type { Endpoint } from './endpoint'
import { errName } from './endpoint'
import { TransferError } from './errors'
import { hex64, kindOf, type ZnodeRecord } from './format'

export interface ReadOptions {
  /** znodes in flight (3 requests each); default 128 */
  window?: number
}

type Fetched = { rec: ZnodeRecord, children: string[] } | { gone: true } | { error: Error }

const SYSTEM = '/zookeeper'

export async function * readTree (src: Endpoint, opts: ReadOptions = {}): AsyncGenerator<ZnodeRecord> {
  const window = Math.max(1, opts.window ?? 128)
  const writer = new JuteWriter(256)
  const queue: string[] = ['/']
  let head = 0
  const inflight: Array<Promise<Fetched>> = []
  try {
    while (head < queue.length || inflight.length > 0) {
      while (inflight.length < window && head < queue.length) {
        inflight.push(fetch(src, writer, queue[head++]))
      }
      if (head > 4096 && head * 2 > queue.length) {
        queue.splice(0, head)
        head = 0
      }
      const f = await (inflight.shift() as Promise<Fetched>)
      if ('error' in f) throw f.error
      if ('gone' in f) continue
      const base = f.rec.path === '/' ? '/' : f.rec.path + '/'
      for (const name of f.children.sort()) {
        const child = base + name
        if (src.wire(child) === SYSTEM) continue
        queue.push(child)
      }
      yield f.rec
    }
  } finally {
    // A consumer that stops early (or a failure) leaves replies in flight;
    // each is already turned into a value, so none can reject unhandled.
    inflight.length = 0
  }
}

function fetch (src: Endpoint, w: JuteWriter, path: string): Promise<Fetched> {
  const wire = src.wire(path)
  const body = w.begin().ustring(wire).bool(false).body()
  // All three are written before any reply is awaited: that is the pipelining.
  const data = src.client.requestRaw(OpCode.getData, body)
  const acl = src.client.request({ type: OpCode.getACL, path: wire })
  const children = src.client.request({ type: OpCode.getChildren, path: wire, watch: false })
  return Promise.all([data, acl, children]).then(([d, a, c]): Fetched => {
    for (const [r, what] of [[d, 'getData'], [a, 'getACL'], [c, 'getChildren']] as const) {
      if (r.err === Err.NONODE) return { gone: true }
      if (r.err === Err.NOAUTH) {
        return { error: new TransferError(`${what} ${wire} on ${src.address.hostPort}: NOAUTH: the reader may not read this znode (pass --auth digest:user:password for an identity its ACL allows, e.g. the super user)`) }
      }
      if (r.err !== Err.OK) return { error: new TransferError(`${what} ${wire} on ${src.address.hostPort} failed: ${errName(r.err)}`) }
    }
    const list = a.body?.acl as ACL[]
    if (list.some((x) => x.id.scheme === 'digest' && x.id.id.endsWith(':x'))) {
      return { error: new TransferError(`getACL ${wire} on ${src.address.hostPort}: the digest ids come back masked ("user:x") because the reader lacks ADMIN on it (pass --auth digest:user:password for an identity with ADMIN, e.g. the super user)`) }
    }
    return { rec: decode(path, d.raw as Buffer, list), children: c.body?.children ?? [] }
  }, (err: Error) => ({ error: new TransferError(`lost the connection to ${src.address.hostPort}: ${err.message}`) }))
}

/** GetDataResponse with every long read exactly. */
function decode (path: string, raw: Buffer, acl: ACL[]): ZnodeRecord {
  const r = new JuteReader(raw)
  const data = r.bufferCopy()
  const czxid = r.longBig()
  const mzxid = r.longBig()
  const ctime = r.long()
  const mtime = r.long()
  const version = r.int()
  const cversion = r.int()
  const aversion = r.int()
  const owner = r.longBig()
  const dataLength = r.int()
  const numChildren = r.int()
  const pzxid = r.longBig()
  const { kind, ttl } = kindOf(owner)
  const rec: ZnodeRecord = {
    path,
    data,
    acl,
    kind,
    stat: {
      czxid: hex64(czxid),
      mzxid: hex64(mzxid),
      pzxid: hex64(pzxid),
      ctime,
      mtime,
      version,
      cversion,
      aversion,
      ephemeralOwner: hex64(owner),
      dataLength,
      numChildren
    }
  }
  if (ttl !== undefined) rec.ttl = ttl
  return rec
}
