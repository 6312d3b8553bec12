// ZooKeeper's four-letter words: a connection whose first four bytes spell a
// command gets a plain-text answer and is closed. The layouts are ZooKeeper
// 3.8's byte for byte where tools parse them (go-zookeeper's FLWSrvr/FLWCons
// regexes, zkServer.sh status, monitoring scrapers reading `mntr`).

import { hostname, userInfo, platform, arch, release, tmpdir } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import type { SessionId } from '../engine/types'
import { dumpText, WATCH_DUMP_END, wchcEntry, wchpEntry, wchsText, type DumpConnection, type DumpInput } from './fourletter-dumps'
import { FOUR_LETTER_WORDS } from './fourletter-words'
import type { ConnectionStats, ServerStats } from './stats'
import { refusal } from './whitelist'

export { FOUR_LETTER_WORDS }

/** What one connection looks like to `stat` and `cons`. */
export interface ConnectionInfo {
  /** Java's InetSocketAddress.toString(): "/127.0.0.1:47120" */
  remote: string
  /** 1 while reading, 0 while paused (ZooKeeper prints the selector interest ops) */
  interestOps: number
  /** requests received whose reply has not left yet */
  queued: number
  stats: ConnectionStats
  /** 0 before the handshake */
  sessionId: number
  timeout: number
}

/**
 * A connection as `dump` lists it. We do not stamp every packet's arrival
 * (a hot-path cost), so the last reply stands in for the last packet heard.
 */
export function dumpConnection (c: ConnectionInfo): DumpConnection {
  return {
    remote: c.remote,
    sessionId: c.sessionId,
    lastHeard: Math.max(c.stats.established, c.stats.lastResponseTime),
    timeout: c.timeout
  }
}

/** Store-side numbers (the embedded store's stats()). */
export interface TreeStats {
  nodeCount: number
  watchCount: number
  ephemeralCount: number
  sessionCount: number
  approximateDataSize: number
}

/** The data-watch table as `wchs`/`wchc`/`wchp` read it (see fourletter-dumps.ts). */
export interface WatchView {
  /** sessions holding a data watch, watched paths, registrations */
  summary: () => { sessions: number, paths: number, total: number }
  bySession: () => Iterable<readonly [SessionId, Iterable<string>]>
  byPath: () => Iterable<readonly [string, Iterable<SessionId>]>
}

/** Everything the commands read, gathered by the server on demand. */
export interface FourLetterView {
  fullVersion: string
  /** enabled words (whitelist.ts parseWhitelist); the others are refused as ZooKeeper refuses them */
  whitelist: ReadonlySet<string>
  /**
   * The watch tables and the `dump` figures, where they can be read at
   * once (the embedded store). A node reads them from Redis in batches and
   * answers those words itself (src/node/fourletter.ts).
   */
  watches?: WatchView
  dump?: () => DumpInput
  stats: ServerStats
  connections: () => ConnectionInfo[]
  zxid: () => number
  /** log records written so far (the store's appliedSeq) */
  logRecords: () => number
  outstanding: () => number
  tree: () => TreeStats
  conf: {
    clientPort: number
    /** the TLS client port; absent: ZooKeeper's -1 */
    secureClientPort?: number
    dataDir: string
    tickTime: number
    /** per-address connection limit of this ZooKeeper port; absent (0) where the port is elsewhere (a node: the sidecar limits) */
    maxClientCnxns?: number
    minSessionTimeout: number
    maxSessionTimeout: number
  }
  dataDirSize: () => number
  openFileDescriptors: () => number | undefined
  maxFileDescriptors: () => number | undefined
  resetConnectionStats: () => void
}

/** The word spelt by the first four bytes, if ZooKeeper would treat them as a command. */
export function fourLetterWordOf (head: Buffer): string | undefined {
  if (head.length < 4) return undefined
  const word = head.toString('latin1', 0, 4)
  return FOUR_LETTER_WORDS.has(word) ? word : undefined
}

/**
 * ZooKeeper's node count: its DataTree keeps the root under both "" and "/",
 * so every count it reports is one more than the znodes a client can see.
 */
function zkNodeCount (t: TreeStats): number {
  return t.nodeCount + 1
}

/** Java's Double.toString for the values we print (ms averages). */
function javaDouble (x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x)
}

function hex (n: number): string {
  return n < 0 ? `-${(-n).toString(16)}` : n.toString(16)
}

function serverSummary (v: FourLetterView): string {
  const s = v.stats
  return `Latency min/avg/max: ${s.latency.minOrZero}/${javaDouble(s.latency.avg)}/${s.latency.max}\n` +
    `Received: ${s.packetsReceived}\n` +
    `Sent: ${s.packetsSent}\n` +
    `Connections: ${v.connections().length}\n` +
    `Outstanding: ${v.outstanding()}\n` +
    `Zxid: 0x${hex(v.zxid())}\n` +
    'Mode: standalone\n' +
    `Node count: ${zkNodeCount(v.tree())}\n`
}

/** ServerCnxn.dumpConnectionInfo. */
function connectionLine (c: ConnectionInfo, brief: boolean): string {
  const st = c.stats
  let line = ` ${c.remote}[${c.interestOps === 0 ? '0' : c.interestOps.toString(16)}]` +
    `(queued=${c.queued},recved=${st.packetsReceived},sent=${st.packetsSent}`
  if (!brief && c.sessionId !== 0) {
    line += `,sid=0x${hex(c.sessionId)},lop=${st.lastOp},est=${st.established},to=${c.timeout}`
    if (st.lastCxid >= 0) line += `,lcxid=0x${hex(st.lastCxid)}`
    line += `,lzxid=0x${st.lastZxid < 0 ? 'ffffffffffffffff' : hex(st.lastZxid)}` +
      `,lresp=${st.lastResponseTime},llat=${st.lastLatency}` +
      `,minlat=${st.latency.minOrZero},avglat=${Math.floor(st.latency.avg)},maxlat=${st.latency.max}`
  }
  return line + ')'
}

function srvr (v: FourLetterView): string {
  return `Zookeeper version: ${v.fullVersion}\n` + serverSummary(v)
}

function stat (v: FourLetterView): string {
  let out = `Zookeeper version: ${v.fullVersion}\nClients:\n`
  for (const c of v.connections()) out += connectionLine(c, true) + '\n'
  return out + '\n' + serverSummary(v)
}

function cons (v: FourLetterView): string {
  let out = ''
  for (const c of v.connections()) out += connectionLine(c, false) + '\n'
  return out + '\n'
}

function mntr (v: FourLetterView): string {
  const s = v.stats
  const t = v.tree()
  const rows: Array<[string, string | number]> = [
    ['version', v.fullVersion],
    ['server_state', 'standalone'],
    ['ephemerals_count', t.ephemeralCount],
    ['num_alive_connections', v.connections().length],
    ['avg_latency', javaDouble(s.latency.avg)],
    ['outstanding_requests', v.outstanding()],
    ['znode_count', zkNodeCount(t)],
    ['global_sessions', t.sessionCount],
    ['packets_sent', s.packetsSent],
    ['packets_received', s.packetsReceived],
    ['watch_count', t.watchCount],
    ['auth_failed_count', s.authFailed],
    ['min_latency', s.latency.minOrZero],
    ['max_latency', s.latency.max],
    ['approximate_data_size', t.approximateDataSize],
    ['local_sessions', 0],
    ['uptime', Date.now() - s.startedAt],
    // Ours, not ZooKeeper's: how well group commit batches records into
    // fsyncs (records per flush).
    ['redkeeper_log_records', v.logRecords()],
    ['redkeeper_log_flushes', s.logFlushes],
  ]
  const open = v.openFileDescriptors()
  const max = v.maxFileDescriptors()
  if (max !== undefined) rows.push(['max_file_descriptor_count', max])
  if (open !== undefined) rows.push(['open_file_descriptor_count', open])
  let out = ''
  for (const [k, val] of rows) out += `zk_${k}\t${val}\n`
  return out
}

function conf (v: FourLetterView): string {
  const c = v.conf
  const size = v.dataDirSize()
  return `clientPort=${c.clientPort}\n` +
    `secureClientPort=${c.secureClientPort ?? -1}\n` +
    `dataDir=${c.dataDir}\n` +
    `dataDirSize=${size}\n` +
    `dataLogDir=${c.dataDir}\n` +
    `dataLogSize=${size}\n` +
    `tickTime=${c.tickTime}\n` +
    `maxClientCnxns=${c.maxClientCnxns ?? 0}\n` +
    `minSessionTimeout=${c.minSessionTimeout}\n` +
    `maxSessionTimeout=${c.maxSessionTimeout}\n` +
    'clientPortListenBacklog=-1\n' +
    'serverId=0\n'
}

/** Java's os.name / os.arch spellings, which scripts reading `envi` know. */
const JAVA_OS_NAME: Readonly<Record<string, string>> = { linux: 'Linux', darwin: 'Mac OS X', win32: 'Windows', freebsd: 'FreeBSD', sunos: 'SunOS', aix: 'AIX' }
const JAVA_OS_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: 'x86', arm64: 'aarch64' }

/**
 * ZooKeeper's Environment list, key for key. There is no JVM, so the java.*
 * properties read "<NA>", as ZooKeeper prints an unset property (the temp
 * dir is the process's); os.memory.* are V8's heap figures in the JVM's
 * sense (free within the current heap, the heap limit, the current heap).
 */
function envi (v: FourLetterView): string {
  const NA = '<NA>'
  let user = NA
  let home = NA
  try {
    const u = userInfo()
    user = u.username
    home = u.homedir
  } catch { /* no passwd entry (containers): "<NA>", as Java */ }
  const mb = (n: number): string => `${Math.floor(n / (1024 * 1024))}MB`
  const mem = process.memoryUsage()
  return 'Environment:\n' +
    `zookeeper.version=${v.fullVersion}\n` +
    `host.name=${hostname()}\n` +
    `java.version=${NA}\n` +
    `java.vendor=${NA}\n` +
    `java.home=${NA}\n` +
    `java.class.path=${NA}\n` +
    `java.library.path=${NA}\n` +
    `java.io.tmpdir=${tmpdir()}\n` +
    `java.compiler=${NA}\n` +
    `os.name=${JAVA_OS_NAME[platform()] ?? platform()}\n` +
    `os.arch=${JAVA_OS_ARCH[arch()] ?? arch()}\n` +
    `os.version=${release()}\n` +
    `user.name=${user}\n` +
    `user.home=${home}\n` +
    `user.dir=${process.cwd()}\n` +
    `os.memory.free=${mb(mem.heapTotal - mem.heapUsed)}\n` +
    `os.memory.max=${mb(getHeapStatistics().heap_size_limit)}\n` +
    `os.memory.total=${mb(mem.heapTotal)}\n`
}

function dirs (v: FourLetterView): string {
  const size = v.dataDirSize()
  return `datadir_size: ${size}\nlogdir_size: ${size}\n`
}

function wchc (w: WatchView): string {
  let out = ''
  for (const [session, paths] of w.bySession()) out += wchcEntry(session, paths)
  return out + WATCH_DUMP_END
}

function wchp (w: WatchView): string {
  let out = ''
  for (const [path, sessions] of w.byPath()) out += wchpEntry(path, sessions)
  return out + WATCH_DUMP_END
}

/** The full text answer to `word` (one of FOUR_LETTER_WORDS). */
export function answerFourLetterWord (word: string, v: FourLetterView): string {
  if (!v.whitelist.has(word)) return refusal(word)
  switch (word) {
    case 'ruok': return 'imok'
    case 'srvr': return srvr(v)
    case 'stat': return stat(v)
    case 'cons': return cons(v)
    case 'mntr': return mntr(v)
    case 'conf': return conf(v)
    case 'envi': return envi(v)
    case 'dirs': return dirs(v)
    case 'isro': return 'rw'
    // ZooTrace's default text trace mask: redkeeper has no trace levels to change
    case 'gtmk': return '306'
    // ZooKeeper 3.8 answers nothing while it has no digests to show
    case 'hash': return ''
    case 'srst':
      v.stats.reset()
      return 'Server stats reset.\n'
    case 'crst':
      v.resetConnectionStats()
      return 'Connection stats reset.\n'
    case 'wchs':
      if (v.watches !== undefined) {
        const s = v.watches.summary()
        return wchsText(s.sessions, s.paths, s.total)
      }
      break
    case 'wchc':
      if (v.watches !== undefined) return wchc(v.watches)
      break
    case 'wchp':
      if (v.watches !== undefined) return wchp(v.watches)
      break
    case 'dump':
      if (v.dump !== undefined) return dumpText(v.dump())
      break
  }
  // stmk (it reads an 8-byte mask after the word) is not offered: answered
  // as ZooKeeper answers a word left out of 4lw.commands.whitelist.
  return refusal(word)
}
