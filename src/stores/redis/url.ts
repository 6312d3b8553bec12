// The Redis URL is configuration: redis:// and rediss:// (TLS), with user and
// password, go to ioredis as they are; Sentinel has no standard URL, so we
// read the common form
//
//   redis-sentinel://[[user]:password@]host:port[,host:port…]/<master name>[/<db>][?sentinelPassword=…]
//
// where the password is the data nodes' and the hosts are the sentinels.

import { Redis, type RedisOptions } from 'ioredis'

export class RedisUrlError extends Error {
  override name = 'RedisUrlError'
}

const SENTINEL = /^redis-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)\/([^/?]+)(?:\/(\d+))?(?:\?(.*))?$/

function hostPort (s: string): { host: string, port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s)
  if (m === null) throw new RedisUrlError(`bad sentinel address "${s}"`)
  const port = m[2] === undefined ? 26379 : Number(m[2])
  if (port < 1 || port > 65535) throw new RedisUrlError(`bad sentinel port in "${s}"`)
  return { host: m[1].replace(/^\[|\]$/g, ''), port }
}

/** ioredis options for a redis-sentinel:// URL; undefined for any other URL (ioredis reads those itself). */
export function sentinelOptions (url: string): RedisOptions | undefined {
  if (!url.startsWith('redis-sentinel://')) return undefined
  const m = SENTINEL.exec(url)
  if (m === null) throw new RedisUrlError('a Sentinel URL is redis-sentinel://[[user]:password@]host:port[,host:port…]/<master name>[/<db>]')
  const [, user, password, hosts, name, db, query] = m
  const opts: RedisOptions = { sentinels: hosts.split(',').map(hostPort), name: decodeURIComponent(name) }
  if (user !== undefined && user !== '') opts.username = decodeURIComponent(user)
  if (password !== undefined && password !== '') opts.password = decodeURIComponent(password)
  if (db !== undefined) opts.db = Number(db)
  if (query !== undefined) {
    const q = new URLSearchParams(query)
    const sp = q.get('sentinelPassword')
    if (sp !== null) opts.sentinelPassword = sp
  }
  return opts
}

/** A Redis connection for any of our URL forms. */
export function createRedis (url: string, extra: RedisOptions = {}): Redis {
  const sentinel = sentinelOptions(url)
  return sentinel === undefined ? new Redis(url, extra) : new Redis({ ...sentinel, ...extra })
}
