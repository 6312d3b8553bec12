// The REST inspection view (src/api/inspector.ts) of the embedded store: its
// in-memory session tracker, ephemerals and watch tables, read directly (no
// engine call: nothing here is a ZooKeeper request).

import { classifyWatches, type Inspector, type SessionSummary } from '../api/inspector'
import type { ServerStore } from './store'

export function embeddedInspector (store: ServerStore): Inspector {
  return {
    async sessions (limit) {
      const out: SessionSummary[] = []
      let truncated = false
      for (const [id, expiresAt] of store.sessionDeadlines()) {
        if (out.length === limit) {
          truncated = true
          break
        }
        const s = store.getSession(id)
        if (s === undefined) continue
        out.push({ id, timeout: s.timeout, expiresAt, ephemerals: store.getEphemerals(id).length, watches: store.watchesOf(id).length })
      }
      return { sessions: out, truncated }
    },
    async session (id) {
      const s = store.getSession(id)
      const expiresAt = store.sessionDeadline(id)
      if (s === undefined || expiresAt === undefined) return undefined
      return { id, timeout: s.timeout, expiresAt, ephemerals: store.getEphemerals(id).sort(), watches: classifyWatches(store.watchesOf(id)) }
    },
    async watchers (path) {
      const sort = (a: number, b: number): number => a - b
      return { data: store.watchersOf('data', path).sort(sort), child: store.watchersOf('child', path).sort(sort) }
    },
    async watchTotals () {
      return store.watchTotals()
    }
  }
}
