import type { QueueOp } from './queues'

// A recorded history: what every client asked, when, and what it was told.
//
// Two views of the same run:
//   - `ops`: one record per operation on the register model, with its
//     invoke and complete times (monotonic ms, performance.now()). An
//     operation whose reply never came (timeout, dropped connection, an error
//     answer that says nothing about the outcome) has no `complete`: it is
//     *indeterminate*, it may or may not have taken effect, at any time after
//     its invoke.
//   - `log`: per session, every request sent, reply received, watch event
//     received and connection change, in the order the client saw them. The
//     FIFO and watch-before-data checks read this.

/** a read (getData), a blind write (setData version -1), a compare-and-set (setData with a version) */
export type RegisterKind = 'read' | 'write' | 'cas'

export interface RegisterOp {
  id: number
  session: number
  /** which connection of the session (0, 1, ... after each reconnect) */
  conn: number
  xid: number
  /** the register: a znode path */
  key: string
  kind: RegisterKind
  /** write/cas: the (unique) value written */
  value?: string
  /** cas: the version expected */
  expect?: number
  /** getData with a watch */
  watch?: boolean
  invoke: number
  /** absent: indeterminate */
  complete?: number
  /** ZooKeeper's answer when there was one: 0 OK, -103 BADVERSION, ... */
  err?: number
  /** read: the data read; write/cas OK: nothing (the value is the input) */
  read?: string
  /** the Stat in the reply: data version and mzxid */
  version?: number
  mzxid?: number
  /** the reply header's zxid */
  zxid?: number
}

export type LogEntry =
  | { t: 'invoke', conn: number, op: number, xid: number }
  | { t: 'reply', conn: number, op: number, xid: number, zxid: number }
  | { t: 'event', conn: number, path: string, type: number }
  /** the connection is gone (its watches with it); `reason` says why */
  | { t: 'drop', conn: number, reason: string }

export interface History {
  ops: RegisterOp[]
  /** session → its log, in the order the client saw things */
  log: Map<number, LogEntry[]>
  /** key → data and version at the start (the registers exist before the run) */
  initial: Map<string, { value: string, version: number }>
  /** the sequential-queue operations (queues.ts), in invoke order */
  queues?: QueueOp[]
}

/** Collects a History while clients run. Every method is cheap: a push or a field set. */
export class HistoryRecorder {
  readonly history: History & { queues: QueueOp[] } = { ops: [], log: new Map(), initial: new Map(), queues: [] }

  register (key: string, value: string, version = 0): void {
    this.history.initial.set(key, { value, version })
  }

  invoke (session: number, conn: number, xid: number, op: Omit<RegisterOp, 'id' | 'session' | 'conn' | 'xid' | 'invoke'>): RegisterOp {
    const rec: RegisterOp = { ...op, id: this.history.ops.length, session, conn, xid, invoke: performance.now() }
    this.history.ops.push(rec)
    this.logOf(session).push({ t: 'invoke', conn, op: rec.id, xid })
    return rec
  }

  /** A reply came: `fields` are what it said (err, read, version, mzxid). */
  reply (op: RegisterOp, zxid: number, fields: Pick<RegisterOp, 'err' | 'read' | 'version' | 'mzxid'>): void {
    op.complete = performance.now()
    op.zxid = zxid
    Object.assign(op, fields)
    this.logOf(op.session).push({ t: 'reply', conn: op.conn, op: op.id, xid: op.xid, zxid })
  }

  /** A queue operation begins; its outcome is set on the returned record (queueDone, or seq/value for an unanswered delete). */
  queueInvoke (session: number, conn: number, queue: string, kind: QueueOp['kind'], value?: string): QueueOp {
    const rec: QueueOp = { id: this.history.queues.length, session, conn, queue, kind, ...(value !== undefined ? { value } : {}), invoke: performance.now() }
    this.history.queues.push(rec)
    return rec
  }

  /** A queue operation's outcome: enqueue → its seq; dequeue → the item taken, or empty. */
  queueDone (op: QueueOp, fields: Pick<QueueOp, 'seq' | 'value' | 'empty'>): void {
    op.complete = performance.now()
    Object.assign(op, fields)
  }

  event (session: number, conn: number, path: string, type: number): void {
    this.logOf(session).push({ t: 'event', conn, path, type })
  }

  drop (session: number, conn: number, reason: string): void {
    this.logOf(session).push({ t: 'drop', conn, reason })
  }

  private logOf (session: number): LogEntry[] {
    let l = this.history.log.get(session)
    if (l === undefined) this.history.log.set(session, l = [])
    return l
  }
}

/** ZooKeeper answers that say what happened to a register operation; any other leaves it indeterminate. */
export const DETERMINATE_ERRS: ReadonlySet<number> = new Set([0, -103 /* BADVERSION */])

/** Whether the op's outcome is known: it was answered, with OK or an answer the model gives meaning to. */
export function determinate (op: RegisterOp): boolean {
  return op.complete !== undefined && op.err !== undefined && DETERMINATE_ERRS.has(op.err)
}
