// The layouts of `wchs`, `wchc`, `wchp` and `dump`, from ZooKeeper 3.8.0's
// WatchManager (toString, dumpWatches), ExpiryQueue.dump and
// DataTree.dumpEphemerals. Each function renders one entry, so the embedded
// server (everything in memory) and a node (reading Redis in batches) share
// the exact text. Only the data-watch table is reported, as in ZooKeeper:
// its DataTree prints dataWatches alone, which holds getData/exists watches
// and the data half of persistent and recursive ones; child watches from
// getChildren never show.

import type { SessionId } from '../engine/types'

/** ExpiryQueue's buckets: NIOServerCnxnFactory's default for a connection without a session. */
export const SESSIONLESS_CNXN_TIMEOUT_MS = 10_000

/** Long.toHexString for the non-negative ids we hand out. */
export function sessionHex (id: SessionId): string {
  return '0x' + id.toString(16)
}

/** WatchManager.toString, then the command's println. */
export function wchsText (sessions: number, paths: number, total: number): string {
  return `${sessions} connections watching ${paths} paths\nTotal watches:${total}\n`
}

/** One session of `wchc`: its id, then each watched path after a tab. */
export function wchcEntry (session: SessionId, paths: Iterable<string>): string {
  let out = sessionHex(session) + '\n'
  for (const p of paths) out += '\t' + p + '\n'
  return out
}

/** One path of `wchp`: the path, then each watching session after a tab. */
export function wchpEntry (path: string, sessions: Iterable<SessionId>): string {
  let out = path + '\n'
  for (const s of sessions) out += '\t' + sessionHex(s) + '\n'
  return out
}

/** The blank line WatchCommand prints after the table. */
export const WATCH_DUMP_END = '\n'

/**
 * ExpiryQueue.roundToNextInterval: an expiry time moves up to the next
 * multiple of the queue's interval (tickTime for sessions), which is what
 * groups sessions into sets.
 */
export function roundToNextInterval (ms: number, interval: number): number {
  return (Math.floor(ms / interval) + 1) * interval
}

/** ExpiryQueue.dump: `<label> Sets (buckets)/(members):`, then each bucket in time order. */
export function expirySetsText (label: string, deadlines: Iterable<readonly [string, number]>, interval: number): string {
  const buckets = new Map<number, string[]>()
  let members = 0
  for (const [item, deadline] of deadlines) {
    const at = roundToNextInterval(deadline, interval)
    let b = buckets.get(at)
    if (b === undefined) {
      b = []
      buckets.set(at, b)
    }
    b.push(item)
    members++
  }
  let out = `${label} Sets (${buckets.size})/(${members}):\n`
  for (const at of [...buckets.keys()].sort((a, b) => a - b)) {
    const items = buckets.get(at) as string[]
    out += `${items.length} expire at ${javaDate(at)}:\n`
    for (const item of items) out += '\t' + item + '\n'
  }
  return out
}

/** DataTree.dumpEphemerals: the count of sessions, then each with its paths. */
export function ephemeralsText (bySession: ReadonlyArray<readonly [SessionId, readonly string[]]>): string {
  let out = `Sessions with Ephemerals (${bySession.length}):\n`
  for (const [session, paths] of bySession) {
    out += sessionHex(session) + ':\n'
    for (const p of paths) out += '\t' + p + '\n'
  }
  return out
}

/** What `dump` needs about one client connection (NIOServerCnxn.toString). */
export interface DumpConnection {
  /** "/127.0.0.1:47120" */
  remote: string
  sessionId: SessionId
  /** when the connection was last heard from, epoch ms */
  lastHeard: number
  /** the session timeout once a session is attached, else 0 */
  timeout: number
}

export interface DumpInput {
  tickTime: number
  /** (session, deadline epoch ms) */
  sessions: Iterable<readonly [SessionId, number]>
  ephemerals: ReadonlyArray<readonly [SessionId, readonly string[]]>
  connections: Iterable<DumpConnection>
}

/** DumpCommand: the session tracker's sets, the ephemerals, then NIOServerCnxnFactory's connection sets. */
export function dumpText (d: DumpInput): string {
  return dumpSessionsText(d.sessions, d.tickTime) + ephemeralsText(d.ephemerals) + dumpConnectionsText(d.connections)
}

/** `dump` up to the ephemerals: the session tracker's sets (buckets tickTime wide). */
export function dumpSessionsText (sessions: Iterable<readonly [SessionId, number]>, tickTime: number): string {
  const items = Array.from(sessions, ([id, deadline]) => [sessionHex(id), deadline] as const)
  return 'SessionTracker dump:\n' + expirySetsText('Session', items, tickTime) + 'ephemeral nodes dump:\n'
}

/**
 * `dump` after the ephemerals. A connection's expiry is its last packet plus
 * its session timeout, or the sessionless timeout before a session is
 * attached; the queue's buckets are the sessionless timeout wide.
 */
export function dumpConnectionsText (connections: Iterable<DumpConnection>): string {
  const items = Array.from(connections, (c) => [
    `ip: ${c.remote} sessionId: ${sessionHex(c.sessionId)}`,
    c.lastHeard + (c.sessionId !== 0 && c.timeout > 0 ? c.timeout : SESSIONLESS_CNXN_TIMEOUT_MS)
  ] as const)
  return 'Connections dump:\n' + expirySetsText('Connections', items, SESSIONLESS_CNXN_TIMEOUT_MS)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function two (n: number): string {
  return n < 10 ? '0' + String(n) : String(n)
}

let zoneFormat: Intl.DateTimeFormat | undefined

/** The local zone's short name ("UTC", "CET"), as java.util.Date prints it. */
function zoneName (d: Date): string {
  zoneFormat ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
  return zoneFormat.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC'
}

/** java.util.Date.toString(): "Wed Nov 25 04:47:21 UTC 2026", in the local zone. */
export function javaDate (ms: number): string {
  const d = new Date(ms)
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zoneName(d)} ${d.getFullYear()}`
}
