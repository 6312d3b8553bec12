// ZooKeeper's quotas, as DataTree and ZooKeeperServer.checkQuota keep them.
//
// A path P has a quota while the znode /zookeeper/quota<P>/zookeeper_limits
// exists (classify() indexes those znodes, so the set of quota'd paths is one
// index read). Every create, delete and setData at or under the deepest
// quota'd prefix of its path adds its count/bytes difference to
// /zookeeper/quota<P>/zookeeper_stats, in place: data and dataLength change,
// version and mzxid do not, and no watch fires (DataTree.updateQuotaStat).
// Creating that zookeeper_stats znode makes the server count P's subtree into
// it (updateQuotaForPath). Limits are soft (ZooKeeper only logs) unless
// zookeeper.enforceQuota is set and the limits carry a hard limit: then a
// create or setData that would pass it fails with QUOTAEXCEEDED, checked
// against the committed state as PrepRequestProcessor does.
//
// Both are StatsTrack strings: "count=N,bytes=M", then, if other keys exist,
// "=" and ";key=value" for each in sorted order (e.g. "count=-1,bytes=-1=;
// countHardLimit=5"). Plain string code: this file is compiled to Lua too.

import type { Data } from './types'

export const QUOTA_ZOOKEEPER = '/zookeeper/quota'
export const LIMIT_NODE = 'zookeeper_limits'
export const STAT_NODE = 'zookeeper_stats'

/** The quota'd path a node under /zookeeper/quota names through its parent (Quotas.trimQuotaPath), or undefined. */
export function quotaTarget(path: string, name: string): string | undefined {
  const parentEnd = path.length - name.length - 1
  if (parentEnd <= QUOTA_ZOOKEEPER.length) return undefined
  // classify() asks this of every node a write stores: turn nearly all of
  // them away on one character, before the substrings below allocate
  if (path.charCodeAt(1) !== 0x7a || path.charCodeAt(11) !== 0x71) return undefined // "z" of /zookeeper, "q" of quota
  if (path.substring(0, QUOTA_ZOOKEEPER.length) !== QUOTA_ZOOKEEPER) return undefined
  if (path.substring(parentEnd) !== '/' + name) return undefined
  return path.substring(QUOTA_ZOOKEEPER.length, parentEnd)
}

export function statPath(target: string): string {
  return QUOTA_ZOOKEEPER + target + '/' + STAT_NODE
}

export function limitPath(target: string): string {
  return QUOTA_ZOOKEEPER + target + '/' + LIMIT_NODE
}

/**
 * The deepest quota'd path that is `path` or an ancestor of it
 * (DataTree.getMaxPrefixWithQuota: never "/").
 */
export function maxPrefix(roots: Map<string, boolean>, path: string): string | undefined {
  if (roots.size === 0) return undefined
  let p = path
  while (p.length > 1) {
    if (roots.has(p)) return p
    const slash = lastIndex(p, '/')
    if (slash <= 0) return undefined
    p = p.substring(0, slash)
  }
  return undefined
}

function lastIndex(s: string, c: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (s.charAt(i) === c) return i
  return -1
}

/** A parsed StatsTrack: key → value, in no order. */
export type Stats = Map<string, number>

function isSeparator(c: string): boolean {
  return c === ',' || c === ';'
}

/** Long.parseLong, or undefined. */
function parseLong(s: string): number | undefined {
  let i = 0
  let neg = false
  if (s.charAt(0) === '-' || s.charAt(0) === '+') {
    neg = s.charAt(0) === '-'
    i = 1
  }
  if (i >= s.length) return undefined
  let n = 0
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return undefined
    n = n * 10 + d
  }
  return neg ? -n : n
}

/**
 * new StatsTrack(String): pairs split on [,;]+, each "key=value" (the
 * value ends at the next '='; empty means -1). Pairs ZooKeeper would choke
 * on are skipped here instead of failing the write.
 */
export function parseStats(text: string): Stats {
  const out: Stats = new Map<string, number>()
  let start = 0
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !isSeparator(text.charAt(i))) continue
    if (i > start) parsePair(text.substring(start, i), out)
    start = i + 1
  }
  return out
}

function parsePair(pair: string, out: Stats): void {
  const eq = pair.indexOf('=')
  if (eq === -1) return
  const key = pair.substring(0, eq)
  let end = pair.indexOf('=', eq + 1)
  if (end === -1) end = pair.length
  const raw = pair.substring(eq + 1, end)
  if (raw === '' && end === pair.length) return // "key=": Java's split leaves no value at all
  const v = raw === '' ? -1 : parseLong(raw)
  if (v !== undefined) out.set(key, v)
}

export function stat(s: Stats, key: string): number {
  const v = s.get(key)
  return v === undefined ? -1 : v
}

/** Decimal digits of an integer, the same in Node and Lua (Lua 5.1's tostring switches to exponents past 1e14). */
function longText(n: number): string {
  if (n < 0) return '-' + longText(-n)
  if (n < 10) return String.fromCharCode(48 + n)
  const q = Math.floor(n / 10)
  return longText(q) + String.fromCharCode(48 + (n - q * 10))
}

/** StatsTrack.toString. */
export function formatStats(s: Stats): string {
  let out = 'count=' + longText(stat(s, 'count')) + ',bytes=' + longText(stat(s, 'bytes'))
  const keys: string[] = []
  s.forEach((_v, k) => {
    if (k !== 'count' && k !== 'bytes') keys.push(k)
  })
  if (keys.length === 0) return out
  keys.sort()
  out = out + '='
  for (const k of keys) out = out + ';' + k + '=' + longText(s.get(k) as number)
  return out
}

/**
 * ZooKeeperServer.checkQuota for one change: true when it would pass a hard
 * limit. `limits`/`current` are the committed limits and stats znodes' text.
 */
export function exceedsHardLimit(limits: string, current: string | undefined, bytesDiff: number, countDiff: number): boolean {
  const lim = parseStats(limits)
  const checkCount = countDiff !== 0 && (stat(lim, 'count') > -1 || stat(lim, 'countHardLimit') > -1)
  const checkBytes = bytesDiff !== 0 && (stat(lim, 'bytes') > -1 || stat(lim, 'byteHardLimit') > -1)
  if ((!checkCount && !checkBytes) || current === undefined) return false
  const cur = parseStats(current)
  if (checkCount && stat(lim, 'countHardLimit') > -1 && stat(cur, 'count') + countDiff > stat(lim, 'countHardLimit')) return true
  if (checkBytes && stat(lim, 'byteHardLimit') > -1 && stat(cur, 'bytes') + bytesDiff > stat(lim, 'byteHardLimit')) return true
  return false
}

/** Byte length of znode data; as a string so that the Lua build reads it with # (Lua data is a string). */
export function dataBytes(data: Data): number {
  return data === null ? 0 : (data as unknown as string).length
}
