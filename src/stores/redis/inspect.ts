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
}
