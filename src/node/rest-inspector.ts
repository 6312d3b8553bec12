// The REST inspection view (src/api/inspector.ts) of the whole service: the
// session tracker, ephemerals and watch tables every node shares in Redis,
// read with plain batched commands (BackendInspector), never an FCALL.

import { classifyWatches, type Inspector } from '../api/inspector'
import type { WatchMode } from '../engine/types'
import type { NodeBackend } from './backend'

export function nodeInspector (backend: NodeBackend): Inspector {
  const inspect = backend.inspector()
  return {
    sessions: async (limit) => inspect.sessionsPage(limit),
    async session (id) {
      const d = await inspect.sessionDetail(id)
      if (d === undefined) return undefined
      return {
        id,
        timeout: d.timeout,
        expiresAt: d.expiresAt,
        ephemerals: [...d.ephemerals].sort(),
        watches: classifyWatches(d.watches.map(([kind, path, mode]) => [kind, path, mode as WatchMode] as const))
      }
    },
    async watchers (path) {
      const w = await inspect.watchersOf(path)
      const sort = (a: number, b: number): number => a - b
      return { data: w.data.sort(sort), child: w.child.sort(sort) }
    },
    watchTotals: async () => inspect.watchTotals()
  }
}
