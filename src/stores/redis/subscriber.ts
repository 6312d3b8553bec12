// Notices: what one node tells every other through Redis pub/sub, published
// by the library inside the FCALL that caused them (see notice.ts for the
// wire form). Pub/sub is at-most-once: a node whose subscriber connection
// dropped may have missed notices, so `onReconnect` tells it to poll the
// queues of the sessions it serves.

import type { Redis } from 'ioredis'
import type { SessionId } from '../../engine/types'
import { NOTICE_CHANNEL, NOTICE_EVENTS, NOTICE_EXPIRED, NOTICE_MOVED } from './notice'
import { decode } from './msgpack'
import { BadNoticeError } from './errors'

export type Notice =
  | { kind: 'events'; sessions: SessionId[] }
  | { kind: 'expired'; sessions: SessionId[] }
  | { kind: 'moved'; session: SessionId; owner: string }

export interface SubscribeOptions {
  /** the subscriber connection came back after a drop: notices may have been missed */
  onReconnect?: () => void
  /** a message on the channel that is not a notice (anyone with Redis access can publish) */
  onError?: (err: BadNoticeError) => void
}

function ids(v: unknown): SessionId[] | undefined {
  if (!Array.isArray(v)) return undefined
  for (const x of v) if (typeof x !== 'number') return undefined
  return v as SessionId[]
}

/** Decodes one notice; throws BadNoticeError for anything else. */
export function decodeNotice(buf: Buffer): Notice {
  let v: unknown
  try {
    v = decode(buf)
  } catch (err) {
    throw new BadNoticeError(`not MessagePack: ${(err as Error).message}`)
  }
  if (Array.isArray(v)) {
    const [kind, a, b] = v as unknown[]
    if (kind === NOTICE_EVENTS || kind === NOTICE_EXPIRED) {
      const sessions = ids(a)
      if (sessions !== undefined && v.length === 2) return { kind: kind === NOTICE_EVENTS ? 'events' : 'expired', sessions }
    } else if (kind === NOTICE_MOVED && typeof a === 'number' && typeof b === 'string' && v.length === 3) {
      return { kind: 'moved', session: a, owner: b }
    }
  }
  throw new BadNoticeError('unknown notice shape')
}

export function noticeChannel(key: string): string {
  return key + NOTICE_CHANNEL
}

/**
 * Subscribes `sub` (a connection of its own, created with autoResubscribe
 * off: a subscribed connection can do nothing else) and resolves once Redis
 * confirmed; returns the unsubscribe. After a reconnect it subscribes again
 * and only then calls onReconnect, so a poll made from there misses nothing.
 */
export async function subscribeNotices(
  sub: Redis, key: string, onNotice: (n: Notice) => void, opts: SubscribeOptions = {},
): Promise<() => Promise<void>> {
  const channel = noticeChannel(key)
  let live = false
  sub.on('messageBuffer', (ch: Buffer, message: Buffer) => {
    if (ch.toString() !== channel) return
    let n: Notice
    try {
      n = decodeNotice(message)
    } catch (err) {
      opts.onError?.(err as BadNoticeError)
      return
    }
    onNotice(n)
  })
  sub.on('ready', () => {
    if (!live) return
    sub.subscribe(channel).then(() => opts.onReconnect?.(), () => { /* dropped again: the next 'ready' retries */ })
  })
  // connection errors are retried by ioredis; without a listener it would print each one
  sub.on('error', () => {})
  await sub.subscribe(channel)
  live = true
  return async () => {
    live = false
    try {
      await sub.quit()
    } catch {
      sub.disconnect()
    }
  }
}
