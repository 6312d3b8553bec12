// Four-letter words for a node, in ZooKeeper's layout: the text comes from
// the embedded server's formatter (src/server/fourletter.ts), fed with this
// node's counters and the shared store's numbers. The sidecar serves the
// answer on its client port, so tools (zkServer.sh status, go-zookeeper's
// FLWSrvr, scrapers of `mntr`) read a node as they read a ZooKeeper.

import { answerFourLetterWord, FOUR_LETTER_WORDS, type ConnectionInfo, type FourLetterView, type TreeStats } from '../server/fourletter'
import type { ServerStats } from '../server/stats'
import { maxFileDescriptors, openFileDescriptors } from '../server/system'
import { ZK_FULL_VERSION } from '../server/version'
import type { BackendStats, NodeBackend } from './backend'

export interface NodeFourLetterSource {
  backend: NodeBackend
  stats: ServerStats
  connections: () => ConnectionInfo[]
  outstanding: () => number
  resetConnectionStats: () => void
  conf: FourLetterView['conf']
}

/** Words whose answer needs the store's numbers (one stats call). */
const NEEDS_STORE: ReadonlySet<string> = new Set(['srvr', 'stat', 'mntr', 'dump', 'wchs', 'wchc', 'wchp'])

export function isFourLetterWord (word: string): boolean {
  return FOUR_LETTER_WORDS.has(word)
}

/** The answer to `word` (one of FOUR_LETTER_WORDS). */
export async function answerNodeFourLetterWord (word: string, src: NodeFourLetterSource): Promise<string> {
  const store = NEEDS_STORE.has(word) ? await src.backend.stats() : undefined
  return answerFourLetterWord(word, view(src, store))
}

function treeStats (s: BackendStats | undefined): TreeStats {
  // Fields the store may add later (ephemerals, data size) are read when present.
  const extra = (s ?? {}) as Partial<TreeStats>
  return {
    nodeCount: s?.nodeCount ?? 0,
    watchCount: s?.watchCount ?? 0,
    sessionCount: s?.sessionCount ?? 0,
    ephemeralCount: extra.ephemeralCount ?? 0,
    approximateDataSize: extra.approximateDataSize ?? 0
  }
}

function view (src: NodeFourLetterSource, store: BackendStats | undefined): FourLetterView {
  const tree = treeStats(store)
  return {
    fullVersion: ZK_FULL_VERSION,
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
