// Four-letter words for a node, in ZooKeeper's layout: the text comes from
// the embedded server's formatter (src/server/fourletter.ts), fed with this
// node's counters and the shared store's numbers. The sidecar serves the
// answer on its client port, so tools (zkServer.sh status, go-zookeeper's
// FLWCons, kazoo, scrapers of `mntr`) read a node as they read a ZooKeeper.
//
// wchs, wchc, wchp and dump read Redis, so they show the whole service (every
// session, watch and ephemeral, whichever node serves it), as one ZooKeeper
// server shows its own clients; their `dump` connection sets are this
// node's. They are read in batches and streamed, so a table of 100,000
// watches never holds the event loop for long.

import { answerFourLetterWord, dumpConnection, FOUR_LETTER_WORDS, type ConnectionInfo, type FourLetterView, type TreeStats } from '../server/fourletter'
import { dumpConnectionsText, dumpSessionsText, ephemeralsText, WATCH_DUMP_END, wchcEntry, wchpEntry, wchsText } from '../server/fourletter-dumps'
import { refusal } from '../server/whitelist'
import type { ServerStats } from '../server/stats'
import { maxFileDescriptors, openFileDescriptors } from '../server/system'
import { ZK_FULL_VERSION } from '../server/version'
import type { SessionId } from '../engine/types'
import type { BackendStats, NodeBackend } from './backend'

export interface NodeFourLetterSource {
  backend: NodeBackend
  stats: ServerStats
  connections: () => ConnectionInfo[]
  outstanding: () => number
  resetConnectionStats: () => void
  conf: FourLetterView['conf']
  /** enabled words (parseWhitelist) */
  whitelist: ReadonlySet<string>
}

/** Words whose answer needs the store's numbers (one stats call). */
const NEEDS_STORE: ReadonlySet<string> = new Set(['srvr', 'stat', 'mntr'])

export function isFourLetterWord (word: string): boolean {
  return FOUR_LETTER_WORDS.has(word)
}

/**
 * The answer to `word` (one of FOUR_LETTER_WORDS): the text, or for the
 * table dumps its chunks as Redis yields them.
 */
export async function answerNodeFourLetterWord (word: string, src: NodeFourLetterSource): Promise<string | AsyncIterable<string>> {
  if (!src.whitelist.has(word)) return refusal(word)
  switch (word) {
    case 'wchs': {
      const s = await src.backend.inspector().dataWatchSummary()
      return wchsText(s.sessions, s.paths, s.total)
    }
    case 'wchc': return wchc(src)
    case 'wchp': return wchp(src)
    case 'dump': return dump(src)
  }
  const store = NEEDS_STORE.has(word) ? await src.backend.stats() : undefined
  return answerFourLetterWord(word, view(src, store))
}

async function * wchc (src: NodeFourLetterSource): AsyncIterable<string> {
  for await (const batch of src.backend.inspector().dataWatchesBySession()) {
    let chunk = ''
    for (const [session, paths] of batch) chunk += wchcEntry(session, paths)
    yield chunk
  }
  yield WATCH_DUMP_END
}

async function * wchp (src: NodeFourLetterSource): AsyncIterable<string> {
  for await (const batch of src.backend.inspector().dataWatchesByPath()) {
    let chunk = ''
    for (const [path, sessions] of batch) chunk += wchpEntry(path, sessions)
    yield chunk
  }
  yield WATCH_DUMP_END
}

/**
 * ZooKeeper prints each section's count before its entries, so the sessions
 * and ephemerals are gathered (in batches) before the text is written; the
 * connection sets are this node's own.
 */
async function * dump (src: NodeFourLetterSource): AsyncIterable<string> {
  const inspect = src.backend.inspector()
  const sessions: Array<readonly [SessionId, number]> = []
  for await (const batch of inspect.sessionDeadlines()) sessions.push(...batch)
  const ephemerals: Array<readonly [SessionId, string[]]> = []
  for await (const batch of inspect.ephemeralsBySession()) ephemerals.push(...batch)
  yield dumpSessionsText(sessions, src.conf.tickTime)
  yield ephemeralsText(ephemerals)
  yield dumpConnectionsText(src.connections().map(dumpConnection))
}

function treeStats (s: BackendStats | undefined): TreeStats {
  return {
    nodeCount: s?.nodeCount ?? 0,
    watchCount: s?.watchCount ?? 0,
    sessionCount: s?.sessionCount ?? 0,
    ephemeralCount: s?.ephemeralCount ?? 0,
    approximateDataSize: s?.approximateDataSize ?? 0
  }
}

function view (src: NodeFourLetterSource, store: BackendStats | undefined): FourLetterView {
  const tree = treeStats(store)
  return {
    fullVersion: ZK_FULL_VERSION,
    whitelist: src.whitelist,
    stats: src.stats,
    connections: src.connections,
    zxid: () => store?.zxid ?? 0,
    // no log of our own: Redis keeps the data
    logRecords: () => 0,
    outstanding: src.outstanding,
    tree: () => tree,
    conf: src.conf,
    dataDirSize: () => 0,
    openFileDescriptors,
    maxFileDescriptors,
    resetConnectionStats: src.resetConnectionStats
  }
}
