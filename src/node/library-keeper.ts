// A node's part in sharing Redis with other builds (src/stores/redis/libraries.ts):
// it names its library every LIBRARY_MARK_EVERY_MS, and deletes the
// libraries of builds no node has named for LIBRARY_IN_USE_MS, at start and
// every LIBRARY_PRUNE_EVERY_MS. Both are best effort: a Redis outage is
// reported by readiness and the requests, not here.

import type { Logger } from 'pino'
import { LIBRARY_MARK_EVERY_MS, LIBRARY_PRUNE_EVERY_MS } from '../stores/redis'

export interface LibraryUser {
  readonly version: string
  markLibrary(now: number): Promise<void>
  pruneLibraries(now: number): Promise<string[]>
}

export function keepLibrary (engine: LibraryUser, log: Logger): { stop(): void } {
  const prune = (): void => {
    engine.pruneLibraries(Date.now()).then((removed) => {
      for (const name of removed) log.info({ library: name, version: engine.version }, 'removed the Redis library of a build no node runs any more')
    }, (err: Error) => log.debug({ err: err.message }, 'library prune failed'))
  }
  const mark = setInterval(() => {
    engine.markLibrary(Date.now()).catch((err: Error) => log.debug({ err: err.message }, 'library mark failed'))
  }, LIBRARY_MARK_EVERY_MS)
  const pruner = setInterval(prune, LIBRARY_PRUNE_EVERY_MS)
  mark.unref()
  pruner.unref()
  prune()
  return {
    stop () {
      clearInterval(mark)
      clearInterval(pruner)
    }
  }
}
