// The per-session guarantees, read from each session's log (what its client
// saw, in order):
//
// FIFO: on one connection, replies come in the order the requests were
// sent: each reply answers the oldest request still unanswered.
//
// Watch before data: a client holding a data watch on P must get the event
// before any reply that reflects P's state after the change that fires it.
// ZooKeeper 3.8 puts -1 in an event's header zxid, so the change's zxid E is
// taken from the history: the watch was set at P's mzxid m0 (the reply that
// set it), and E is the first change of P after m0, so E <= the smallest
// mzxid > m0 that any client saw for P (an unseen indeterminate write can
// only make E smaller). A reply on that connection whose header zxid is >= that
// bound, before the event, is a violation (ZooKeeper stamps a reply with the
// zxid of the state it was served from). A lost event shows the same way, on
// the next reply after the change.
//
// Events with no watch set on that connection are counted as stray: a
// duplicate or an event nobody asked for.

import type { History, LogEntry, RegisterOp } from './types'

export interface SessionViolation {
  session: number
  kind: 'fifo' | 'watch' | 'stray'
  detail: string
}

export interface SessionReport {
  replies: number
  events: number
  /** events that overtook the reply of the request that set their watch (after a replayed request; stock clients drop them) */
  early: number
  violations: SessionViolation[]
}

const NODE_DATA_CHANGED = 3

type Watch =
  | { state: 'pending', conn: number, op: RegisterOp, early: boolean }
  | { state: 'armed', conn: number, op: RegisterOp, bound: number | undefined }
  /** set by a reply whose event already came: the server may or may not fire it again */
  | { state: 'tentative', conn: number }

export function checkSessions (h: History): SessionReport {
  // Every mzxid any client saw, per key, ascending.
  const seen = new Map<string, number[]>()
  for (const op of h.ops) {
    if (op.err === 0 && op.mzxid !== undefined && op.mzxid > 0) {
      let l = seen.get(op.key)
      if (l === undefined) seen.set(op.key, l = [])
      l.push(op.mzxid)
    }
  }
  for (const l of seen.values()) l.sort((a, b) => a - b)
  const firstAfter = (key: string, m0: number): number | undefined => {
    const l = seen.get(key)
    if (l === undefined) return undefined
    let lo = 0
    let hi = l.length
    while (lo < hi) { const mid = (lo + hi) >> 1; if (l[mid] <= m0) lo = mid + 1; else hi = mid }
    return l[lo]
  }

  const report: SessionReport = { replies: 0, events: 0, early: 0, violations: [] }
  for (const [session, log] of h.log) checkOne(session, log, h.ops, firstAfter, report)
  return report
}

function checkOne (session: number, log: LogEntry[], ops: RegisterOp[], firstAfter: (key: string, m0: number) => number | undefined, report: SessionReport): void {
  const outstanding = new Map<number, number[]>()
  const watches = new Map<string, Watch>()
  const fail = (kind: SessionViolation['kind'], detail: string): void => { report.violations.push({ session, kind, detail }) }

  for (const e of log) {
    switch (e.t) {
      case 'invoke': {
        let q = outstanding.get(e.conn)
        if (q === undefined) outstanding.set(e.conn, q = [])
        q.push(e.xid)
        const op = ops[e.op]
        if (op.watch === true) watches.set(op.key, { state: 'pending', conn: e.conn, op, early: false })
        break
      }
      case 'reply': {
        report.replies++
        const q = outstanding.get(e.conn) ?? []
        const i = q.indexOf(e.xid)
        if (i !== 0) fail('fifo', `conn ${e.conn}: reply to xid ${e.xid} while ${i < 0 ? 'no such request was outstanding' : `xid ${q[0]}, sent earlier, was unanswered`}`)
        if (i >= 0) q.splice(i, 1)
        for (const [path, w] of watches) {
          if (w.state === 'armed' && w.conn === e.conn && w.bound !== undefined && e.zxid >= w.bound) {
            fail('watch', `conn ${e.conn}: reply to xid ${e.xid} with zxid 0x${e.zxid.toString(16)} came before the event of the data watch on ${path} ` +
              `set at mzxid 0x${(w.op.mzxid ?? 0).toString(16)} by xid ${w.op.xid}; ${path} changed at zxid <= 0x${w.bound.toString(16)}`)
            watches.delete(path)
          }
        }
        const op = ops[e.op]
        const w = watches.get(op.key)
        if (op.watch === true && w !== undefined && w.state === 'pending' && w.op === op) {
          if (op.err !== 0) watches.delete(op.key)
          else if (w.early) watches.set(op.key, { state: 'tentative', conn: w.conn })
          else watches.set(op.key, { state: 'armed', conn: w.conn, op, bound: op.mzxid === undefined ? undefined : firstAfter(op.key, op.mzxid) })
        }
        break
      }
      case 'event': {
        report.events++
        const w = watches.get(e.path)
        if (e.type !== NODE_DATA_CHANGED || w === undefined || w.conn !== e.conn) {
          fail('stray', `conn ${e.conn}: event type ${e.type} on ${e.path} with no data watch set on this connection`)
        } else if (w.state === 'pending') {
          if (w.early) fail('stray', `conn ${e.conn}: a second event on ${e.path} before the reply that set its watch`)
          w.early = true
          report.early++
        } else {
          watches.delete(e.path)
        }
        break
      }
      case 'drop':
        // watches belong to the connection; its unanswered requests are indeterminate
        for (const [path, w] of watches) if (w.conn === e.conn) watches.delete(path)
        outstanding.delete(e.conn)
        break
    }
  }
}
