// Four-letter words on the sidecar's client port: the answer comes from a
// node (`GET /v1/fourletter/<word>`), so `echo ruok | nc` and `zkServer.sh
// status`-style probes see the service, not the sidecar.

import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'
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
export async function fetchFourLetterWord (upstreams: readonly Upstream[], start: number, word: string, timeoutMs: number, ca?: Buffer): Promise<AsyncIterable<Uint8Array> | undefined> {
  for (let i = 0; i < upstreams.length; i++) {
    const up = upstreams[(start + i) % upstreams.length]
    try {
      const res = await get(`${up.http}/v1/fourletter/${word}`, timeoutMs, ca)
      const status = res.statusCode ?? 0
      if (status >= 200 && status < 300) return res
      res.resume()
      // A 4xx is the node's considered answer (e.g. a word it does not
      // serve); asking the next node would get the same.
      if (status < 500) return undefined
    } catch {
      // unreachable, too slow or an untrusted certificate: the next node may answer
    }
  }
  return undefined
}

/**
 * node:http(s) rather than fetch: fetch cannot be given a CA without
 * undici's Agent, and wss:// upstreams with a private CA (--upstream-ca)
 * need one. `timeoutMs` bounds the wait for the response headers.
 */
function get (url: string, timeoutMs: number, ca: Buffer | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = url.startsWith('https:')
      ? httpsGet(url, ca === undefined ? {} : { ca })
      : httpGet(url)
    const timer = setTimeout(() => req.destroy(new Error('timed out')), timeoutMs)
    req.once('response', (res) => {
      clearTimeout(timer)
      resolve(res)
    })
    req.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
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
