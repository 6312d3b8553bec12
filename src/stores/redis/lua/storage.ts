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
//   P:n:<path>        hash    znode: stat fields, data, ACL (see NODE_FIELDS)
//   P:c:<path>        set     child names
//   P:s:<id>          hash    session: t (timeout ms), p (password hex)
//   P:e:<id>          set     paths of the session's ephemerals
//   P:deadlines       zset    session id -> deadline (ms), for expiredSessions
//   P:w:d:<path>      set     sessions holding a data/exists watch on path
//   P:w:c:<path>      set     sessions holding a child watch on path
//   P:sw:<id>         set     "d<path>" / "c<path>": the session's watches, for dropWatches

import type { ACL, Bytes, Data, SessionId, SessionRecord, Storage, WatchKind, ZNode, Zxid } from '../../../engine/types'
import { num, parse } from './num'

// HMGET order: the 11 Stat numbers in ZNode order, then the null-data flag, data, ACL.
const NODE_FIELDS: string[] = ['cz', 'mz', 'ct', 'mt', 'v', 'cv', 'av', 'eo', 'dl', 'nc', 'pz', 'dn', 'd', 'a']
const STAT_FIELDS = 11

/** A znode as this call read (or last wrote) it: what putNode diffs against. */
interface Snapshot {
  nums: number[]
  data: Data
  acl: ACL[]
}

type Reply = (string | false)[]

export class RedisStorage implements Storage {
  private readonly p: string
  /** wall-clock ms of this call: session deadlines are set from it */
  private readonly now: number
  private zxid: Zxid | undefined
  private readonly sessions = new LuaTable<SessionId, SessionRecord | false>()
  /** fields of each znode as read in this call, so putNode writes only what changed */
  private readonly loaded = new LuaTable<string, Snapshot>()

  constructor(prefix: string, now: number) {
    this.p = prefix + ':'
    this.now = now
  }

  getNode(path: string): ZNode | undefined {
    const r = redis.call('HMGET', this.p + 'n:' + path, ...NODE_FIELDS) as Reply
    if (r[0] === false) return undefined
    const f = r as string[]
    const where = 'znode ' + path
    const nums: number[] = []
    for (let i = 0; i < STAT_FIELDS; i++) nums.push(parse(f[i], where))
    // Lua strings are the byte strings the engine calls Bytes; a flag keeps null apart from empty
    const data: Data = f[STAT_FIELDS] === '1' ? null : (f[STAT_FIELDS + 1] as unknown as Bytes)
    const acl = cmsgpack.unpack(f[STAT_FIELDS + 2]) as ACL[]
    this.loaded.set(path, { nums, data, acl })
    return {
      czxid: nums[0],
      mzxid: nums[1],
      ctime: nums[2],
      mtime: nums[3],
      version: nums[4],
      cversion: nums[5],
      aversion: nums[6],
      ephemeralOwner: nums[7],
      dataLength: nums[8],
      numChildren: nums[9],
      pzxid: nums[10],
      data,
      acl,
    }
  }

  putNode(path: string, n: ZNode): void {
    const nums = [n.czxid, n.mzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.ephemeralOwner, n.dataLength, n.numChildren, n.pzxid]
    const before = this.loaded.get(path)
    // Write only what changed since this call read the node: a parent's
    // create/delete touches 3 stat fields and must not rewrite its data and
    // ACL (Lua strings are interned, so comparing even large data is O(1)).
    const args: string[] = []
    for (let i = 0; i < STAT_FIELDS; i++) {
      if (before === undefined || before.nums[i] !== nums[i]) args.push(NODE_FIELDS[i], num(nums[i]))
    }
    const data: Data = n.data
    if (before === undefined || before.data !== data) {
      args.push('dn', data === null ? '1' : '0', 'd', data === null ? '' : (data as unknown as string))
    }
    if (before === undefined || before.acl !== n.acl) args.push('a', cmsgpack.pack(n.acl))
    this.loaded.set(path, { nums, data, acl: n.acl })
    if (args.length > 0) redis.call('HSET', this.p + 'n:' + path, ...args)
  }

  deleteNode(path: string): void {
    this.loaded.delete(path)
    redis.call('DEL', this.p + 'n:' + path, this.p + 'c:' + path)
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
    const r = redis.call('HMGET', this.p + 's:' + num(id), 't', 'p') as Reply
    if (r[0] === false) {
      this.sessions.set(id, false)
      return undefined
    }
    const s: SessionRecord = { id, timeout: parse(r[0], 'session timeout'), passwd: r[1] as string }
    this.sessions.set(id, s)
    return s
  }

  /** Also starts the session's deadline: the session tracker is the store's job. */
  putSession(s: SessionRecord): void {
    const id = num(s.id)
    redis.call('HSET', this.p + 's:' + id, 't', num(s.timeout), 'p', s.passwd)
    redis.call('ZADD', this.p + 'deadlines', num(this.now + s.timeout), id)
    this.sessions.set(s.id, { id: s.id, timeout: s.timeout, passwd: s.passwd })
  }

  deleteSession(id: SessionId): void {
    const k = num(id)
    redis.call('DEL', this.p + 's:' + k, this.p + 'e:' + k)
    redis.call('ZREM', this.p + 'deadlines', k)
    this.sessions.set(id, false)
  }

  /** Pushes a live session's deadline to now + its timeout (every request does, as in ZooKeeper). */
  touchSession(id: SessionId): boolean {
    const s = this.getSession(id)
    if (s === undefined) return false
    redis.call('ZADD', this.p + 'deadlines', 'XX', num(this.now + s.timeout), num(id))
    return true
  }

  getEphemerals(id: SessionId): string[] {
    return redis.call('SMEMBERS', this.p + 'e:' + num(id)) as string[]
  }

  addEphemeral(id: SessionId, path: string): void {
    redis.call('SADD', this.p + 'e:' + num(id), path)
  }

  removeEphemeral(id: SessionId, path: string): void {
    redis.call('SREM', this.p + 'e:' + num(id), path)
  }

  expiredSessions(now: number): SessionId[] {
    const ids = redis.call('ZRANGEBYSCORE', this.p + 'deadlines', '-inf', num(now)) as string[]
    const out: SessionId[] = []
    for (const id of ids) out.push(parse(id, 'session id'))
    return out
  }

  addWatch(kind: WatchKind, path: string, session: SessionId): void {
    const k = kind === 'data' ? 'd' : 'c'
    const s = num(session)
    redis.call('SADD', this.p + 'w:' + k + ':' + path, s)
    redis.call('SADD', this.p + 'sw:' + s, k + path)
  }

  takeWatchers(kind: WatchKind, path: string): SessionId[] {
    const k = kind === 'data' ? 'd' : 'c'
    const key = this.p + 'w:' + k + ':' + path
    const ids = redis.call('SMEMBERS', key) as string[]
    const out: SessionId[] = []
    if (ids.length === 0) return out
    redis.call('DEL', key)
    for (const id of ids) {
      redis.call('SREM', this.p + 'sw:' + id, k + path)
      out.push(parse(id, 'watcher id'))
    }
    return out
  }

  dropWatches(session: SessionId): void {
    const s = num(session)
    const key = this.p + 'sw:' + s
    const entries = redis.call('SMEMBERS', key) as string[]
    for (const e of entries) {
      // "d/path" -> P:w:d:/path
      redis.call('SREM', this.p + 'w:' + e.substring(0, 1) + ':' + e.substring(1), s)
    }
    redis.call('DEL', key)
  }
}
