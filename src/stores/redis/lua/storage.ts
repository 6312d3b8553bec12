/** @noSelfInFile */
// The engine's Storage primitives over Redis keys. Store-specific glue only:
// every ZooKeeper rule lives in src/engine, this file just maps each
// primitive to one or two Redis commands. A fresh instance serves one FCALL,
// so the small caches below can never go stale: Redis runs a Function to the
// end before any other client's command.
//
// Key layout (P is the hash-tagged namespace, e.g. "{rk}"; one tag puts every
// key in one Redis Cluster slot, which is what lets a single FCALL touch them
// all atomically):
//   P:zxid            string  last committed zxid
//   P:n:<path>        hash    znode: s (Stat), d (data), a (ACL); see STAT below
//   P:c:<path>        set     child names
//   P:s:<id>          hash    session: t (timeout ms), p (password hex)
//   P:e:<id>          set     paths of the session's ephemerals
//   P:deadlines       zset    session id -> deadline (ms), for expiredSessions
//   P:reaped          string  Redis TIME (ms) of the last expiry round (lua/sessions.ts)
//   P:w:d:<path>      set     sessions holding a data/exists watch on path
//   P:w:c:<path>      set     sessions holding a child watch on path
//   P:wm:d:<path>     hash    session -> mode ("1" persistent, "2" recursive) for the
//   P:wm:c:<path>     hash      registrations of P:w:*:<path> that are not one-shot
//   P:sw:<id>         set     "d<path>" / "c<path>": the session's watches, for dropWatches
//   P:ix:<class>      set     paths of the znodes engine/classify.ts puts in <class>
//                             (1 emptied containers, 2 childless TTL nodes,
//                             4 never-used containers, 3 zookeeper_limits
//                             znodes), for the sweep and the quotas
//   P:count           hash    n: znodes, w: watches, r: recursive watches, e: ephemeral
//                             znodes, b: bytes of paths and data (ZooKeeper's
//                             approximateDataSize) (kept here so stats need no scan,
//                             and triggers skip the ancestor walk while r is 0)
// and, for the distributed machinery (sessions.ts, queue.ts, replay.ts), fields
// o (owner connection) and q (last event seq) in P:s:<id>, plus P:q:<id>,
// P:r:<id>, P:x:<id> and P:sid. deleteSession removes the per-session ones, so
// every way a session ends (close, expiry) leaves nothing behind.

import { classify, INDEXED_CLASSES, NodeClass } from '../../../engine/classify'
import { WatchMode, type ACL, type Bytes, type Data, type SessionId, type SessionRecord, type Storage, type WatchKind, type ZNode, type Zxid } from '../../../engine/types'
import { num, parse } from './num'

// A znode hash has three fields: s (the 11 Stat numbers plus a null-data
// flag, as 12 big-endian doubles), d (data; "" when null) and a (the ACL as
// MessagePack). Packing the Stat into one field costs one struct.pack instead
// of 11 number-to-text conversions, and HMGET of 3 fields instead of 14: a
// measured 2-3x less Redis time per znode read or write (docs/architecture.md).
const STAT = '>dddddddddddd'

/** A znode as this call read (or last wrote) it: what putNode diffs against. */
interface Snapshot {
  stat: string
  data: Data
  acl: ACL[]
  /** classify() of the node: deleteNode must know which index to leave */
  cls: NodeClass
}

type Reply = (string | false)[]

export class RedisStorage implements Storage {
  private readonly p: string
  /** wall-clock ms of this call: session deadlines are set from it */
  private readonly now: number
  private zxid: Zxid | undefined
  private readonly sessions = new LuaTable<SessionId, SessionRecord | false>()
  /** last event seq of the sessions read in this call (see getSession) */
  private readonly seqs = new LuaTable<SessionId, number>()
  /** owner connection (field o) of the sessions read in this call, as first read (false: none) */
  private readonly owners = new LuaTable<SessionId, string | false>()
  /** field r of P:count (recursive watches) as this call last read or wrote it */
  private recursive: number | undefined
  /** fields of each znode as read in this call, so putNode writes only what changed */
  private readonly loaded = new LuaTable<string, Snapshot>()

  /** at most this many sessions from expiredSessions (0: all) */
  private readonly expireLimit: number

  constructor(prefix: string, now: number, expireLimit = 0) {
    this.p = prefix + ':'
    this.now = now
    this.expireLimit = expireLimit
  }

  getNode(path: string): ZNode | undefined {
    const r = redis.call('HMGET', this.p + 'n:' + path, 's', 'd', 'a') as Reply
    const stat = r[0]
    if (stat === false) return undefined
    if (stat.length !== 96 || r[1] === false || r[2] === false) return error('redkeeper: corrupt znode ' + path)
    const [czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren, pzxid, isNull] = struct.unpack(STAT, stat)
    // Lua strings are the byte strings the engine calls Bytes; the flag keeps null apart from empty
    const data: Data = isNull === 1 ? null : (r[1] as unknown as Bytes)
    const acl = cmsgpack.unpack(r[2]) as ACL[]
    const node: ZNode = { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren, pzxid, data, acl }
    this.loaded.set(path, { stat, data, acl, cls: classify(path, node) })
    return node
  }

  putNode(path: string, n: ZNode): void {
    const data: Data = n.data
    const stat = struct.pack(STAT, n.czxid, n.mzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion,
      n.ephemeralOwner, n.dataLength, n.numChildren, n.pzxid, data === null ? 1 : 0)
    const before = this.loaded.get(path)
    const cls = classify(path, n)
    // the class changes as a container's or TTL node's children come and go,
    // or when a multi deletes a path and creates it again as another kind
    if (before !== undefined && before.cls !== cls) {
      if (before.cls !== NodeClass.None) redis.call('SREM', this.p + 'ix:' + before.cls, path)
      if (cls !== NodeClass.None) redis.call('SADD', this.p + 'ix:' + cls, path)
    }
    // Write only what changed since this call read the node: a parent's
    // create/delete must not rewrite its data and ACL (Lua strings are
    // interned, so comparing even large data is O(1)).
    const args: string[] = []
    if (before === undefined || before.stat !== stat) args.push('s', stat)
    if (before === undefined || before.data !== data) args.push('d', data === null ? '' : (data as unknown as string))
    if (before === undefined || before.acl !== n.acl) args.push('a', cmsgpack.pack(n.acl))
    this.loaded.set(path, { stat, data, acl: n.acl, cls })
    if (args.length === 0) return
    const newLen = data === null ? 0 : (data as unknown as string).length
    // the old data's length when this call did not read the node (the engine always does)
    const unread = before === undefined ? redis.call('HSTRLEN', this.p + 'n:' + path, 'd') as number : 0
    // an existing znode always has all three fields: fields added means a new znode
    const added = redis.call('HSET', this.p + 'n:' + path, ...args) as number
    if (added > 0) {
      redis.call('HINCRBY', this.p + 'count', 'n', '1')
      redis.call('HINCRBY', this.p + 'count', 'b', num(path.length + newLen))
      if (cls !== NodeClass.None) redis.call('SADD', this.p + 'ix:' + cls, path)
    } else {
      const oldLen = before === undefined ? unread : before.data === null ? 0 : (before.data as unknown as string).length
      if (oldLen !== newLen) redis.call('HINCRBY', this.p + 'count', 'b', num(newLen - oldLen))
    }
  }

  deleteNode(path: string): void {
    const before = this.loaded.get(path)
    this.loaded.delete(path)
    // a deleted znode has no children, so its child set is already gone and
    // DEL counts the znode alone
    const key = this.p + 'n:' + path
    const dataLen = before === undefined ? redis.call('HSTRLEN', key, 'd') as number
      : before.data === null ? 0 : (before.data as unknown as string).length
    const removed = redis.call('DEL', key, this.p + 'c:' + path) as number
    if (removed > 0) {
      redis.call('HINCRBY', this.p + 'count', 'n', '-1')
      redis.call('HINCRBY', this.p + 'count', 'b', num(-(path.length + dataLen)))
    }
    if (before !== undefined) {
      if (before.cls !== NodeClass.None) redis.call('SREM', this.p + 'ix:' + before.cls, path)
    } else {
      // not read in this call (the engine always reads before deleting): leave every index
      for (const cls of INDEXED_CLASSES) redis.call('SREM', this.p + 'ix:' + cls, path)
    }
  }

  indexed(cls: NodeClass): string[] {
    return redis.call('SMEMBERS', this.p + 'ix:' + cls) as string[]
  }

  // Lua strings are the bytes: data and text are the same string
  text(data: Bytes): string {
    return data as unknown as string
  }

  bytes(text: string): Bytes {
    return text as unknown as Bytes
  }

  getChildren(path: string): string[] {
    return redis.call('SMEMBERS', this.p + 'c:' + path) as string[]
  }

  addChild(parent: string, name: string): void {
    redis.call('SADD', this.p + 'c:' + parent, name)
  }

  removeChild(parent: string, name: string): void {
    redis.call('SREM', this.p + 'c:' + parent, name)
  }

  getZxid(): Zxid {
    if (this.zxid === undefined) {
      const v = redis.call('GET', this.p + 'zxid') as string | false
      this.zxid = v === false ? 0 : parse(v, 'zxid')
    }
    return this.zxid
  }

  setZxid(zxid: Zxid): void {
    redis.call('SET', this.p + 'zxid', num(zxid))
    this.zxid = zxid
  }

  getSession(id: SessionId): SessionRecord | undefined {
    const cached = this.sessions.get(id)
    if (cached !== undefined) return cached === false ? undefined : cached
    // q (queue.ts's last event seq) and o (the owner, for fencing) come
    // along in the same read: whether the session has undelivered events,
    // and whether the caller still holds it, cost no further call
    const r = redis.call('HMGET', this.p + 's:' + num(id), 't', 'p', 'q', 'o') as Reply
    if (r[0] === false) {
      this.sessions.set(id, false)
      return undefined
    }
    const s: SessionRecord = { id, timeout: parse(r[0], 'session timeout'), passwd: r[1] as string }
    this.sessions.set(id, s)
    this.seqs.set(id, r[2] === false ? 0 : parse(r[2], 'event seq'))
    this.owners.set(id, r[3])
    return s
  }

  /**
   * The session's owner connection as this call first read it (false: no
   * owner; undefined: the session does not exist). Read once: fencing asks
   * before the request runs, and nothing in between changes it.
   */
  owner(id: SessionId): string | false | undefined {
    if (this.getSession(id) === undefined) return undefined
    const o = this.owners.get(id)
    if (o !== undefined) return o
    // written by this call (putSession) since: read it as it is now
    const now = redis.call('HGET', this.p + 's:' + num(id), 'o') as string | false
    this.owners.set(id, now)
    return now
  }

  /** The session's last event seq (field q of P:s:<id>) as read with it in this call, kept by noteEventSeq; undefined if not read. */
  eventSeq(id: SessionId): number | undefined {
    return this.seqs.get(id)
  }

  /** queue.ts handed out `seq` for the session (HINCRBY on q). */
  noteEventSeq(id: SessionId, seq: number): void {
    this.seqs.set(id, seq)
  }

  /** Also starts the session's deadline: the session tracker is the store's job. */
  putSession(s: SessionRecord): void {
    const id = num(s.id)
    redis.call('HSET', this.p + 's:' + id, 't', num(s.timeout), 'p', s.passwd)
    redis.call('ZADD', this.p + 'deadlines', num(this.now + s.timeout), id)
    this.sessions.set(s.id, { id: s.id, timeout: s.timeout, passwd: s.passwd })
    // q and o are left as they were: unknown here
    this.seqs.delete(s.id)
    this.owners.delete(s.id)
  }

  deleteSession(id: SessionId): void {
    const k = num(id)
    // the engine removes each ephemeral first, so this is normally 0
    const left = redis.call('SCARD', this.p + 'e:' + k) as number
    if (left > 0) redis.call('HINCRBY', this.p + 'count', 'e', num(-left))
    // with the session go its event queue and its recorded outcomes
    redis.call('DEL', this.p + 's:' + k, this.p + 'e:' + k, this.p + 'q:' + k, this.p + 'r:' + k)
    redis.call('ZREM', this.p + 'deadlines', k)
    this.sessions.set(id, false)
    this.seqs.delete(id)
    this.owners.delete(id)
  }

  /**
   * Pushes a live session's deadline to now + its timeout (every request does, as in ZooKeeper).
   * Only ever out (GT): an attach that reaches Redis late, from a node that
   * was cut off meanwhile, carries an old `now` and must not pull back the
   * deadline of a session that another node now serves.
   */
  touchSession(id: SessionId): boolean {
    const s = this.getSession(id)
    if (s === undefined) return false
    redis.call('ZADD', this.p + 'deadlines', 'XX', 'GT', num(this.now + s.timeout), num(id))
    return true
  }

  getEphemerals(id: SessionId): string[] {
    return redis.call('SMEMBERS', this.p + 'e:' + num(id)) as string[]
  }

  addEphemeral(id: SessionId, path: string): void {
    const added = redis.call('SADD', this.p + 'e:' + num(id), path) as number
    if (added > 0) redis.call('HINCRBY', this.p + 'count', 'e', '1')
  }

  removeEphemeral(id: SessionId, path: string): void {
    const removed = redis.call('SREM', this.p + 'e:' + num(id), path) as number
    if (removed > 0) redis.call('HINCRBY', this.p + 'count', 'e', '-1')
  }

  expiredSessions(now: number): SessionId[] {
    const ids = (this.expireLimit > 0
      ? redis.call('ZRANGEBYSCORE', this.p + 'deadlines', '-inf', num(now), 'LIMIT', '0', num(this.expireLimit))
      : redis.call('ZRANGEBYSCORE', this.p + 'deadlines', '-inf', num(now))) as string[]
    const out: SessionId[] = []
    for (const id of ids) out.push(parse(id, 'session id'))
    return out
  }

  addWatch(kind: WatchKind, path: string, session: SessionId, mode?: WatchMode): void {
    const k = kind === 'data' ? 'd' : 'c'
    const s = num(session)
    const added = redis.call('SADD', this.p + 'w:' + k + ':' + path, s) as number
    const modes = this.p + 'wm:' + k + ':' + path
    const m = mode === undefined ? WatchMode.Standard : mode
    // a new registration replaces the mode; a fresh one-shot watch had none
    if (m !== WatchMode.Standard || added === 0) {
      const before = redis.call('HGET', modes, s) as string | false
      if (m === WatchMode.Standard) {
        if (before !== false) redis.call('HDEL', modes, s)
      } else {
        redis.call('HSET', modes, s, num(m))
      }
      const was = before === '2'
      const is = m === WatchMode.Recursive
      if (was !== is) this.recursive = redis.call('HINCRBY', this.p + 'count', 'r', is ? '1' : '-1') as number
    }
    if (added === 0) return
    redis.call('SADD', this.p + 'sw:' + s, k + path)
    redis.call('HINCRBY', this.p + 'count', 'w', '1')
  }

  /** session -> mode of the registrations on path that are not one-shot */
  private modes(k: string, path: string): LuaTable<string, string> {
    const flat = redis.call('HGETALL', this.p + 'wm:' + k + ':' + path) as string[]
    const out = new LuaTable<string, string>()
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i], flat[i + 1])
    return out
  }

  takeWatchers(kind: WatchKind, path: string, withRecursive?: boolean): SessionId[] {
    const k = kind === 'data' ? 'd' : 'c'
    const key = this.p + 'w:' + k + ':' + path
    const ids = redis.call('SMEMBERS', key) as string[]
    const out: SessionId[] = []
    if (ids.length === 0) return out
    const modes = this.modes(k, path)
    let removed = 0
    for (const id of ids) {
      const mode = modes.get(id)
      if (mode === '2' && withRecursive !== true) continue
      out.push(parse(id, 'watcher id'))
      if (mode !== undefined) continue
      // one-shot: consumed by firing
      redis.call('SREM', key, id)
      redis.call('SREM', this.p + 'sw:' + id, k + path)
      removed++
    }
    if (removed > 0) redis.call('HINCRBY', this.p + 'count', 'w', num(-removed))
    return out
  }

  recursiveWatchers(kind: WatchKind, path: string): SessionId[] {
    const flat = redis.call('HGETALL', this.p + 'wm:' + (kind === 'data' ? 'd' : 'c') + ':' + path) as string[]
    const out: SessionId[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (flat[i + 1] === '2') out.push(parse(flat[i], 'watcher id'))
    }
    return out
  }

  hasRecursiveWatches(): boolean {
    // asked once per trigger (a delete asks for the znode and its parent):
    // read once per call, then kept by every HINCRBY of the count here
    if (this.recursive === undefined) {
      const r = redis.call('HGET', this.p + 'count', 'r') as string | false
      this.recursive = r === false ? 0 : parse(r, 'recursive watch count')
    }
    return this.recursive !== 0
  }

  hasWatchers(kind: WatchKind, path: string): boolean {
    return (redis.call('EXISTS', this.p + 'w:' + (kind === 'data' ? 'd' : 'c') + ':' + path) as number) === 1
  }

  removeWatch(kind: WatchKind, path: string, session: SessionId): boolean {
    const k = kind === 'data' ? 'd' : 'c'
    const s = num(session)
    if ((redis.call('SREM', this.p + 'w:' + k + ':' + path, s) as number) === 0) return false
    redis.call('SREM', this.p + 'sw:' + s, k + path)
    redis.call('HINCRBY', this.p + 'count', 'w', '-1')
    this.forgetMode(this.p + 'wm:' + k + ':' + path, s)
    return true
  }

  /** drop a registration's mode entry, keeping the recursive count right */
  private forgetMode(modes: string, s: string): void {
    const before = redis.call('HGET', modes, s) as string | false
    if (before === false) return
    redis.call('HDEL', modes, s)
    if (before === '2') this.recursive = redis.call('HINCRBY', this.p + 'count', 'r', '-1') as number
  }

  sessionWatchCount(session: SessionId): number {
    return redis.call('SCARD', this.p + 'sw:' + num(session)) as number
  }

  dropWatches(session: SessionId): void {
    const s = num(session)
    const key = this.p + 'sw:' + s
    const entries = redis.call('SMEMBERS', key) as string[]
    if (entries.length === 0) return
    let removed = 0
    for (const e of entries) {
      // "d/path" -> P:w:d:/path
      const k = e.substring(0, 1)
      const path = e.substring(1)
      removed += redis.call('SREM', this.p + 'w:' + k + ':' + path, s) as number
      this.forgetMode(this.p + 'wm:' + k + ':' + path, s)
    }
    redis.call('DEL', key)
    if (removed > 0) redis.call('HINCRBY', this.p + 'count', 'w', num(-removed))
  }
}
