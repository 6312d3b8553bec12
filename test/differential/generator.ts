// Seeded random ZooKeeper workloads for the differential test. Paths come
// from a tiny universe so that creates collide, parents go missing, versions
// go stale and watches fire; every op is something a real client can send.

import { OpCode, CreateFlag, Perm } from '../../src/engine/codes'
import type { ACL, SubRequest } from '../../src/engine/types'
import type { WireRequest } from '../../src/protocol'
import { digestId } from '../../src/server/auth'

/** mulberry32: small, fast, good enough for test generation, and reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Step =
  | { kind: 'request'; slot: number; req: WireRequest }
  /** setWatches with relativeZxid = the server's last zxid minus `back` (zxids differ per server) */
  | { kind: 'setWatches'; slot: number; back: number; data: string[]; exist: string[]; child: string[] }
  /** closeSession, then open a fresh session in the same slot */
  | { kind: 'reopen'; slot: number }
  /** drop the TCP connection and resume the same session on a new one */
  | { kind: 'reconnect'; slot: number }

const NAMES = ['a', 'b', 'c']
const OPEN: ACL[] = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
/** addauth users of aclRequest, and their digest ids (password "pw") */
const USERS = ['alice', 'bob']
const DIGESTS = USERS.map((u) => digestId(`${u}:pw`))

export interface GeneratorOptions {
  /**
   * Also send containers and TTL nodes (extendedRequest); both servers must
   * run with zookeeper.extendedTypesEnabled and a sweep interval longer than
   * the run, so that nothing is swept at a moment only one side chooses.
   */
  extendedTypes?: boolean
}

export class Generator {
  private readonly r: () => number
  private readonly extended: boolean
  constructor (seed: number, private readonly root: string, private readonly sessions: number, opts: GeneratorOptions = {}) {
    this.r = rng(seed)
    this.extended = opts.extendedTypes === true
  }

  private int (n: number): number { return Math.floor(this.r() * n) }
  private pick<T> (xs: readonly T[]): T { return xs[this.int(xs.length)] }
  private chance (p: number): boolean { return this.r() < p }

  path (): string {
    if (this.chance(0.03)) return this.pick([this.root + '/a/', this.root + '//a', this.root + '/./a', this.root + '/a/..', 'rel', '', this.root + '/a\u0001'])
    if (this.chance(0.03)) return this.root
    let p = this.root
    const depth = 1 + this.int(3)
    for (let i = 0; i < depth; i++) p += '/' + this.pick(NAMES)
    return p
  }

  private data (): Buffer | null {
    if (this.chance(0.05)) return null
    const n = this.chance(0.1) ? 0 : 1 + this.int(24)
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }

  private version (): number { return this.chance(0.55) ? -1 : this.int(4) }

  private acl (): ACL[] {
    if (this.chance(0.8)) return OPEN
    const perms = this.pick([Perm.ALL, Perm.READ | Perm.WRITE | Perm.CREATE | Perm.DELETE, Perm.READ | Perm.CREATE | Perm.DELETE | Perm.ADMIN])
    if (this.chance(0.1)) return []
    return [{ perms, id: { scheme: 'world', id: 'anyone' } }]
  }

  private create (type: OpCode.create | OpCode.create2 = this.chance(0.7) ? OpCode.create : OpCode.create2): SubRequest {
    const data = this.data()
    const flags = this.pick([CreateFlag.PERSISTENT, CreateFlag.PERSISTENT, CreateFlag.EPHEMERAL, CreateFlag.PERSISTENT_SEQUENTIAL, CreateFlag.EPHEMERAL_SEQUENTIAL])
    return { type, path: this.path(), data, dataLength: data === null ? 0 : data.length, acl: this.acl(), flags }
  }

  private writeSub (): SubRequest {
    const k = this.int(10)
    if (k < 4) return this.create()
    if (k < 6) return { type: OpCode.delete, path: this.path(), version: this.version() }
    if (k < 8) {
      const data = this.data()
      return { type: OpCode.setData, path: this.path(), data, dataLength: data === null ? 0 : data.length, version: this.version() }
    }
    return { type: OpCode.check, path: this.path(), version: this.version() }
  }

  private watchPath (): string {
    return this.chance(0.15) ? this.pick(['/', this.root]) : this.path()
  }

  /** addWatch, checkWatches, removeWatches, setWatches2's persistent lists (ZooKeeper 3.6+ watch requests) */
  private watchRequest (): WireRequest {
    const k = this.int(10)
    // mode 2 and watcher type 0/4 are invalid: the server's error is compared too
    if (k < 4) return { type: OpCode.addWatch, path: this.watchPath(), mode: this.chance(0.03) ? 2 : this.int(2) }
    if (k < 6) return { type: OpCode.checkWatches, path: this.watchPath(), watcherType: this.chance(0.03) ? 4 : 1 + this.int(3) }
    if (k < 9) return { type: OpCode.removeWatches, path: this.watchPath(), watcherType: this.chance(0.03) ? 0 : 1 + this.int(3) }
    // relativeZxid 0: zxids differ per server, and with 0 every standard
    // watch on an existing node fires at once on both
    const paths = (n: number): string[] => { const out: string[] = []; const m = this.int(n); for (let i = 0; i < m; i++) out.push(this.watchPath()); return out }
    return { type: OpCode.setWatches2, relativeZxid: 0, dataWatches: paths(2), existWatches: paths(2), childWatches: paths(2), persistentWatches: paths(3), persistentRecursiveWatches: paths(2) }
  }

  /**
   * Identities and ACLs beyond world (H12): addauth digest/ip/unknown
   * schemes, whoAmI, and creates/setACLs with digest, ip (CIDR) and auth ids.
   * Kept permissive (world READ|CREATE|DELETE beside them) so the tree stays
   * reachable; an unknown scheme closes the connection on both servers.
   */
  private aclRequest (): WireRequest {
    const k = this.int(10)
    if (k < 3) {
      const scheme = this.chance(0.03) ? 'nosuch' : this.chance(0.1) ? 'ip' : 'digest'
      return { type: OpCode.auth, authType: 0, scheme, auth: Buffer.from(`${this.pick(USERS)}:pw`) }
    }
    if (k < 5) return { type: OpCode.whoAmI }
    const ids: ACL['id'][] = [
      { scheme: 'digest', id: DIGESTS[this.int(DIGESTS.length)] as string },
      { scheme: 'ip', id: this.pick(['127.0.0.1', '127.0.0.0/8', '10.0.0.0/8', '127.0.0.2/31', '::1', '127.0.0.1/33']) },
      { scheme: 'auth', id: '' }
    ]
    const acl: ACL[] = [{ perms: Perm.READ | Perm.CREATE | Perm.DELETE, id: { scheme: 'world', id: 'anyone' } }, { perms: this.pick([Perm.ALL, Perm.WRITE | Perm.ADMIN, Perm.ADMIN]), id: this.pick(ids) }]
    if (k < 8) {
      const data = this.data()
      return { type: OpCode.create, path: this.path(), data, dataLength: data === null ? 0 : data.length, acl, flags: CreateFlag.PERSISTENT }
    }
    return { type: OpCode.setACL, path: this.path(), acl, version: -1 }
  }

  private ttl (): number {
    // 0, negative and past 2^40 - 1 are BADARGUMENTS
    if (this.chance(0.05)) return this.pick([0, -5, 0x10000000000, 0xffffffffff])
    return 1 + this.int(100000)
  }

  private ttlFlags (): number {
    if (this.chance(0.05)) return this.pick([CreateFlag.PERSISTENT, CreateFlag.EPHEMERAL, CreateFlag.CONTAINER])
    return this.pick([CreateFlag.PERSISTENT_WITH_TTL, CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL])
  }

  /**
   * Containers and TTL nodes (extendedTypes only): createContainer and
   * createTTL, the CONTAINER/TTL flags on plain creates and inside multi
   * (where ZooKeeper rebuilds the op from its flags), children under them.
   * A createTTL with a non-TTL mode always carries a ttl >= 0: with a
   * negative one ZooKeeper 3.8 accepts the request and then fails applying
   * it (DataTree cannot encode the ttl), which no client API can send.
   */
  private extendedRequest (): SubRequest | WireRequest {
    const k = this.int(10)
    const data = this.data()
    const len = data === null ? 0 : data.length
    if (k < 4) {
      const flags = this.chance(0.9) ? CreateFlag.CONTAINER : this.pick([CreateFlag.PERSISTENT, CreateFlag.EPHEMERAL, CreateFlag.PERSISTENT_SEQUENTIAL])
      return { type: OpCode.createContainer, path: this.path(), data, dataLength: len, acl: this.acl(), flags }
    }
    if (k < 8) {
      const flags = this.ttlFlags()
      const ttl = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL ? this.ttl() : Math.abs(this.ttl())
      return { type: OpCode.createTTL, path: this.path(), data, dataLength: len, acl: this.acl(), flags, ttl }
    }
    if (k < 9) {
      // a plain create with the CONTAINER or a TTL flag
      const flags = this.pick([CreateFlag.CONTAINER, CreateFlag.PERSISTENT_WITH_TTL, CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL])
      return { type: this.chance(0.5) ? OpCode.create : OpCode.create2, path: this.path(), data, dataLength: len, acl: this.acl(), flags }
    }
    const ops: SubRequest[] = []
    const n = 1 + this.int(3)
    for (let i = 0; i < n; i++) {
      const j = this.int(4)
      const d = this.data()
      const dl = d === null ? 0 : d.length
      if (j === 0) ops.push({ type: OpCode.createContainer, path: this.path(), data: d, dataLength: dl, acl: OPEN, flags: CreateFlag.CONTAINER })
      else if (j === 1) ops.push({ type: OpCode.createTTL, path: this.path(), data: d, dataLength: dl, acl: OPEN, flags: this.ttlFlags(), ttl: Math.abs(this.ttl()) })
      else if (j === 2) ops.push({ type: OpCode.create, path: this.path(), data: d, dataLength: dl, acl: OPEN, flags: this.pick([CreateFlag.CONTAINER, CreateFlag.PERSISTENT_WITH_TTL]) })
      else ops.push(this.writeSub())
    }
    return { type: OpCode.multi, ops }
  }

  /** A path under the workload's root (no invalid ones): what a quota names. */
  private quotaTarget (): string {
    let p = this.root
    const depth = this.int(3)
    for (let i = 0; i < depth; i++) p += '/' + this.pick(NAMES)
    return p
  }

  /**
   * Quotas (with extendedRequest): the nodes zkCli's setquota/delquota write
   * under /zookeeper/quota (the path's chain, zookeeper_limits, then
   * zookeeper_stats, which the server fills in), reads of them, and stats
   * rewritten by hand; the workload's own writes then keep them counted.
   */
  private quotaRequest (): WireRequest {
    const target = this.quotaTarget()
    const dir = '/zookeeper/quota' + target
    const k = this.int(12)
    const text = (s: string): { data: Buffer, dataLength: number } => ({ data: Buffer.from(s), dataLength: s.length })
    if (k < 3) {
      // the chain of parents, one level at a time, as setquota creates it
      const parts = dir.split('/').slice(1)
      const depth = 3 + this.int(parts.length - 2)
      return { type: OpCode.create, path: '/' + parts.slice(0, depth).join('/'), data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT }
    }
    if (k < 5) {
      const limits = this.pick(['count=5,bytes=-1', 'count=-1,bytes=40', 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3', 'count=2,bytes=10=;byteHardLimit=100;countHardLimit=8'])
      return { type: OpCode.create, path: dir + '/zookeeper_limits', ...text(limits), acl: OPEN, flags: CreateFlag.PERSISTENT }
    }
    if (k < 7) return { type: this.pick([OpCode.create, OpCode.create2]), path: dir + '/zookeeper_stats', ...text('count=0,bytes=0'), acl: OPEN, flags: CreateFlag.PERSISTENT }
    if (k < 9) return { type: OpCode.getData, path: dir + '/zookeeper_stats', watch: this.chance(0.3) }
    if (k < 10) return { type: OpCode.getChildren2, path: dir, watch: false }
    if (k < 11) return { type: OpCode.delete, path: dir + this.pick(['/zookeeper_limits', '/zookeeper_stats', '']), version: -1 }
    return { type: OpCode.setData, path: dir + '/zookeeper_stats', ...text(this.pick(['count=1,bytes=1', 'count=0,bytes=0=;zeta=4', ''])), version: -1 }
  }

  next (): Step {
    const slot = this.int(this.sessions)
    if (this.extended && this.chance(0.1)) return { kind: 'request', slot, req: (this.chance(0.5) ? this.quotaRequest() : this.extendedRequest()) as WireRequest }
    if (this.chance(0.08)) return { kind: 'request', slot, req: this.watchRequest() }
    if (this.chance(0.04)) return { kind: 'request', slot, req: this.aclRequest() }
    const k = this.int(1000)
    if (k < 240) return { kind: 'request', slot, req: this.create() }
    if (k < 360) return { kind: 'request', slot, req: { type: OpCode.delete, path: this.path(), version: this.version() } }
    if (k < 500) {
      const data = this.data()
      return { kind: 'request', slot, req: { type: OpCode.setData, path: this.path(), data, dataLength: data === null ? 0 : data.length, version: this.version() } }
    }
    if (k < 760) {
      const type = this.pick([OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2] as const)
      return { kind: 'request', slot, req: { type, path: this.path(), watch: this.chance(0.6) } }
    }
    if (k < 860) {
      const ops: SubRequest[] = []
      const n = this.int(5) // 0..4: the empty multi is legal
      for (let i = 0; i < n; i++) ops.push(this.writeSub())
      return { kind: 'request', slot, req: { type: OpCode.multi, ops } }
    }
    if (k < 890) {
      const ops: SubRequest[] = []
      const n = 1 + this.int(3)
      for (let i = 0; i < n; i++) ops.push({ type: this.pick([OpCode.getData, OpCode.getChildren] as const), path: this.path(), watch: this.chance(0.5) })
      return { kind: 'request', slot, req: { type: OpCode.multiRead, ops } }
    }
    if (k < 905) return { kind: 'request', slot, req: { type: OpCode.getACL, path: this.path() } }
    if (k < 920) return { kind: 'request', slot, req: { type: OpCode.setACL, path: this.path(), acl: this.acl(), version: this.chance(0.6) ? -1 : this.int(3) } }
    if (k < 930) return { kind: 'request', slot, req: { type: OpCode.sync, path: this.path() } }
    if (k < 945) return { kind: 'request', slot, req: { type: OpCode.getEphemerals, prefixPath: this.pick(['/', this.root, this.root + '/a']) } }
    if (k < 960) return { kind: 'request', slot, req: { type: OpCode.getAllChildrenNumber, path: this.pick([this.root, this.root + '/a', '/', '/zookeeper', this.path()]) } }
    if (k < 980) {
      const paths = (): string[] => { const out: string[] = []; const n = this.int(3); for (let i = 0; i < n; i++) out.push(this.path()); return out }
      return { kind: 'setWatches', slot, back: this.int(30), data: paths(), exist: paths(), child: paths() }
    }
    if (k < 992) return { kind: 'reconnect', slot }
    return { kind: 'reopen', slot }
  }
}
