// A first look at Redis before the node starts, so that an unreachable or
// refusing Redis is one clear line ("ECONNREFUSED", "NOAUTH ...") and exit 1,
// not ioredis's retry loop printing stack traces while "Connection is
// closed." is all the caller learns.

import { createRedis } from '../stores/redis/url'
import { redactRedisUrl } from './config'

/** Redis could not be reached or refused us at start. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError'
}

export async function probeRedis (url: string, timeoutMs = 5000): Promise<void> {
  let lastError: Error | undefined
  const r = createRedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // with Sentinel, ioredis would otherwise retry the sentinels forever
    sentinelRetryStrategy: () => null,
    enableOfflineQueue: false
  })
  r.on('error', (err: Error) => { lastError = err })
  try {
    await r.connect()
    await r.ping()
  } catch (err) {
    const why = lastError ?? (err as Error)
    throw new RedisUnreachableError(`cannot reach Redis at ${redactRedisUrl(url)}: ${why.message.split('\n')[0]}`, { cause: why })
  } finally {
    r.disconnect()
  }
}
