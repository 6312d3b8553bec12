// Four-letter words on the sidecar's client port: the answer comes from a
// node (`GET /v1/fourletter/<word>`), so `echo ruok | nc` and `zkServer.sh
// status`-style probes see the service, not the sidecar.

import type { Socket } from 'node:net'
import type { Upstream } from './upstreams'

/** bytes gathered from the node's answer before one write to the client */
export const FOUR_LETTER_COALESCE = 64 * 1024

/**
 * The node's text for `word`, trying the upstreams in turn from `start`
 * until one answers: the body as it arrives (a `dump` of a large service
 * is streamed, not buffered here). Undefined when none could: the caller
 * closes the connection without an answer, as a ZooKeeper that cannot
 * serve it does. `timeoutMs` bounds the wait for the answer to start.
 */
export async function fetchFourLetterWord (upstreams: readonly Upstream[], start: number, word: string, timeoutMs: number): Promise<AsyncIterable<Uint8Array> | undefined> {
  for (let i = 0; i < upstreams.length; i++) {
    const up = upstreams[(start + i) % upstreams.length]
    try {
      const ctl = new AbortController()
      const timer = setTimeout(() => ctl.abort(), timeoutMs)
      let res: Response
      try {
        res = await fetch(`${up.http}/v1/fourletter/${word}`, { signal: ctl.signal })
      } finally {
        clearTimeout(timer)
      }
      if (res.ok && res.body !== null) return res.body
      await res.body?.cancel()
      // A 4xx is the node's considered answer (e.g. a word it does not
      // serve); asking the next node would get the same.
      if (res.status < 500) return undefined
    } catch {
      // unreachable or too slow: the next node may answer
    }
  }
  return undefined
}

/** Resolves when `socket` can take more bytes, or has closed (then writing stops). */
export function drainedOrClosed (socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.once('drain', done)
    socket.once('close', done)
  })
}
