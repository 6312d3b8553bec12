// Four-letter words on the sidecar's client port: the answer comes from a
// node (`GET /v1/fourletter/<word>`), so `echo ruok | nc` and `zkServer.sh
// status`-style probes see the service, not the sidecar.

import type { Upstream } from './upstreams'

/**
 * The node's text for `word`, trying the upstreams in turn from `start`
 * until one answers. Undefined when none could: the caller closes the
 * connection without an answer, as a ZooKeeper that cannot serve it does.
 */
export async function fetchFourLetterWord (upstreams: readonly Upstream[], start: number, word: string, timeoutMs: number): Promise<string | undefined> {
  for (let i = 0; i < upstreams.length; i++) {
    const up = upstreams[(start + i) % upstreams.length]
    try {
      const res = await fetch(`${up.http}/v1/fourletter/${word}`, { signal: AbortSignal.timeout(timeoutMs) })
      const text = await res.text()
      if (res.ok) return text
      // A 4xx is the node's considered answer (e.g. a word it does not
      // serve); asking the next node would get the same.
      if (res.status < 500) return undefined
    } catch {
      // unreachable or too slow: the next node may answer
    }
  }
  return undefined
}
