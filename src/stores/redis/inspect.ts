// Read-only views of the watch tables, the session tracker and the
// ephemerals in Redis, for the four-letter words wchs, wchc, wchp and dump.
// Plain Redis commands over the key layout of lua/storage.ts (nothing here
// goes through the Function library: reading needs no atomicity, and a dump
// must not run as one long script). Keys are walked with SCAN ... COUNT and
// read with one pipeline per batch, so a large table costs many short Redis
// calls, never one that blocks Redis or the node's event loop for long.
// The figures are the whole service's, not one node's.

import type { Redis } from 'ioredis'
import type { SessionId } from '../../engine/types'

/** keys per SCAN step and per pipeline */
export const INSPECT_BATCH = 500

/** Redis glob-escapes `s` (the namespace may hold `*`, `?`, `[` or `\`). */
function escapeGlob (s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&')
}

export class RedisInspector {
  private readonly redis: Redis
  /** "{ns}:" */
  private readonly p: string

  constructor (redis: Redis, key: string) {
    this.redis = redis
    this.p = key + ':'
  }

  /** Every key `{ns}:<sub>…`, in SCAN batches; a key may repeat across batches (SCAN's guarantee), callers dedupe. */
  private async * scan (sub: string): AsyncGenerator<string[]> {
    const match = escapeGlob(this.p + sub) + '*'
    let cursor = '0'
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', INSPECT_BATCH)
      cursor = next
      if (keys.length > 0) yield keys
    } while (cursor !== '0')
  }

  /** SMEMBERS of each key, one round trip */
  private async members (keys: readonly string[]): Promise<string[][]> {
    const pipe = this.redis.pipeline()
    for (const k of keys) pipe.smembers(k)
    const replies = (await pipe.exec()) ?? []
    return replies.map(([err, v]) => {
      if (err !== null) throw err
      return v as string[]
    })
  }

  /** Each session holding data watches → those paths (`{ns}:sw:<id>`, entries "d<path>"). */
  async * dataWatchesBySession (): AsyncGenerator<Array<readonly [SessionId, string[]]>> {
    const seen = new Set<string>()
    const prefix = this.p + 'sw:'
    for await (const batch of this.scan('sw:')) {
      const keys = batch.filter((k) => !seen.has(k))
      for (const k of keys) seen.add(k)
      const sets = await this.members(keys)
      const out: Array<readonly [SessionId, string[]]> = []
      for (let i = 0; i < keys.length; i++) {
        const paths: string[] = []
        for (const e of sets[i]) if (e.startsWith('d')) paths.push(e.substring(1))
        if (paths.length > 0) out.push([Number(keys[i].substring(prefix.length)), paths])
      }
      if (out.length > 0) yield out
    }
  }

  /** Each watched path → its sessions (`{ns}:w:d:<path>`). */
  async * dataWatchesByPath (): AsyncGenerator<Array<readonly [string, SessionId[]]>> {
    const seen = new Set<string>()
    const prefix = this.p + 'w:d:'
    for await (const batch of this.scan('w:d:')) {
      const keys = batch.filter((k) => !seen.has(k))
      for (const k of keys) seen.add(k)
      const sets = await this.members(keys)
      const out: Array<readonly [string, SessionId[]]> = []
      for (let i = 0; i < keys.length; i++) {
        if (sets[i].length > 0) out.push([keys[i].substring(prefix.length), sets[i].map(Number)])
      }
      if (out.length > 0) yield out
    }
  }

  /** sessions holding a data watch, paths watched, registrations */
  async dataWatchSummary (): Promise<{ sessions: number, paths: number, total: number }> {
    let sessions = 0
    let total = 0
    for await (const batch of this.dataWatchesBySession()) {
      sessions += batch.length
      for (const [, paths] of batch) total += paths.length
    }
    // a watch set is deleted with its last member, so every key is a watched path
    const paths = new Set<string>()
    for await (const batch of this.scan('w:d:')) for (const k of batch) paths.add(k)
    return { sessions, paths: paths.size, total }
  }

  /** (session, deadline epoch ms) in deadline order, from `{ns}:deadlines`, in windows. */
  async * sessionDeadlines (): AsyncGenerator<Array<readonly [SessionId, number]>> {
    for (let start = 0; ; start += INSPECT_BATCH) {
      const flat = await this.redis.zrange(this.p + 'deadlines', String(start), String(start + INSPECT_BATCH - 1), 'WITHSCORES')
      const out: Array<readonly [SessionId, number]> = []
      for (let i = 0; i + 1 < flat.length; i += 2) out.push([Number(flat[i]), Number(flat[i + 1])])
      if (out.length > 0) yield out
      if (out.length < INSPECT_BATCH) return
    }
  }

  /** Each session owning ephemerals → their paths (`{ns}:e:<id>`). */
  async * ephemeralsBySession (): AsyncGenerator<Array<readonly [SessionId, string[]]>> {
    const seen = new Set<string>()
    const prefix = this.p + 'e:'
    for await (const batch of this.scan('e:')) {
      const keys = batch.filter((k) => !seen.has(k))
      for (const k of keys) seen.add(k)
      const sets = await this.members(keys)
      const out: Array<readonly [SessionId, string[]]> = []
      for (let i = 0; i < keys.length; i++) {
        if (sets[i].length > 0) out.push([Number(keys[i].substring(prefix.length)), sets[i]])
      }
      if (out.length > 0) yield out
    }
  }

  // ---- REST inspection (src/node/rest-inspector.ts) ----

  /** Up to `limit` sessions in deadline order, each with its timeout and the sizes of its ephemeral and watch sets. */
  async sessionsPage (limit: number): Promise<{ sessions: Array<{ id: SessionId, timeout: number, expiresAt: number, ephemerals: number, watches: number }>, truncated: boolean }> {
    // one more than asked tells whether there were more
    const flat = await this.redis.zrange(this.p + 'deadlines', '0', String(limit), 'WITHSCORES')
    const ids: string[] = []
    const deadlines: number[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(flat[i])
      deadlines.push(Number(flat[i + 1]))
    }
    const truncated = ids.length > limit
    const out: Array<{ id: SessionId, timeout: number, expiresAt: number, ephemerals: number, watches: number }> = []
    for (let start = 0; start < Math.min(ids.length, limit); start += INSPECT_BATCH) {
      const pipe = this.redis.pipeline()
      const end = Math.min(start + INSPECT_BATCH, ids.length, limit)
      for (let i = start; i < end; i++) {
        pipe.hget(this.p + 's:' + ids[i], 't')
        pipe.scard(this.p + 'e:' + ids[i])
        pipe.scard(this.p + 'sw:' + ids[i])
      }
      const r = ((await pipe.exec()) ?? []).map(([err, v]) => {
        if (err !== null) throw err
        return v
      })
      for (let i = start, j = 0; i < end; i++, j += 3) {
        // gone between the two reads
        if (r[j] === null) continue
        out.push({ id: Number(ids[i]), timeout: Number(r[j]), expiresAt: deadlines[i], ephemerals: Number(r[j + 1]), watches: Number(r[j + 2]) })
      }
    }
    return { sessions: out, truncated }
  }

  /** One session's timeout, deadline, ephemerals and watch registrations (table, path, mode); undefined if there is none. */
  async sessionDetail (id: SessionId): Promise<{ timeout: number, expiresAt: number, ephemerals: string[], watches: Array<readonly ['data' | 'child', string, number]> } | undefined> {
    const k = String(id)
    const [[e1, timeout], [e2, deadline], [e3, ephemerals], [e4, held]] = (await this.redis.pipeline()
      .hget(this.p + 's:' + k, 't')
      .zscore(this.p + 'deadlines', k)
      .smembers(this.p + 'e:' + k)
      .smembers(this.p + 'sw:' + k)
      .exec()) ?? []
    for (const e of [e1, e2, e3, e4]) if (e !== null && e !== undefined) throw e
    if (timeout === null || deadline === null) return undefined
    const regs = (held as string[]).map((e) => [e.startsWith('c') ? 'child' : 'data', e.substring(1)] as const)
    const pipe = this.redis.pipeline()
    for (const [kind, path] of regs) pipe.hget(this.p + 'wm:' + kind[0] + ':' + path, k)
    const modes = regs.length === 0 ? [] : ((await pipe.exec()) ?? [])
    const watches = regs.map(([kind, path], i) => {
      const [err, m] = modes[i]
      if (err !== null) throw err
      // no mode entry: a one-shot registration
      return [kind, path, m === null ? 0 : Number(m)] as const
    })
    return { timeout: Number(timeout), expiresAt: Number(deadline), ephemerals: ephemerals as string[], watches }
  }

  /** The sessions watching exactly path, per table. */
  async watchersOf (path: string): Promise<{ data: SessionId[], child: SessionId[] }> {
    const [data, child] = await this.members([this.p + 'w:d:' + path, this.p + 'w:c:' + path])
    return { data: data.map(Number), child: child.map(Number) }
  }

  /** Distinct watched paths (both tables), registrations, and sessions holding any watch. */
  async watchTotals (): Promise<{ paths: number, watches: number, sessions: number }> {
    const sessionKeys = new Set<string>()
    for await (const batch of this.scan('sw:')) for (const key of batch) sessionKeys.add(key)
    let watches = 0
    const keys = [...sessionKeys]
    for (let i = 0; i < keys.length; i += INSPECT_BATCH) {
      const pipe = this.redis.pipeline()
      for (const key of keys.slice(i, i + INSPECT_BATCH)) pipe.scard(key)
      for (const [err, n] of (await pipe.exec()) ?? []) {
        if (err !== null) throw err
        watches += Number(n)
      }
    }
    const paths = new Set<string>()
    const wd = this.p + 'w:d:'
    const wc = this.p + 'w:c:'
    for await (const batch of this.scan('w:d:')) for (const key of batch) paths.add(key.substring(wd.length))
    for await (const batch of this.scan('w:c:')) for (const key of batch) paths.add(key.substring(wc.length))
    return { paths: paths.size, watches, sessions: sessionKeys.size }
  }
}
