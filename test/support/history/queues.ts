// The sequential-queue model: ZooKeeper's queue recipe, checked as a
// linearizable FIFO queue.
//
// The recipe, per queue znode Q:
//   enqueue(v): create Q/item- PERSISTENT_SEQUENTIAL with data v; the reply
//     names the item, Q/item-<seq>.
//   dequeue(): getChildren(Q); take the children in sequence order; for each,
//     getData (NONODE: taken, next) then delete (OK: this client owns it and
//     returns (seq, data); NONODE: someone else took it, next); when the list
//     runs out, getChildren again; an empty list returns "empty".
//
// The recorded operations (QueueOp): an enqueue, answered with its seq, or
// indeterminate (no answer: it may or may not have created its item); a
// dequeue answered with an item (seq, value) or "empty", or indeterminate.
// An indeterminate dequeue whose last request was a delete of item s
// ("candidate" s) may or may not have taken s; one that never sent a delete
// changed nothing and is not checked (like an indeterminate read).
//
// The model. State: `last`, the highest seq enqueued so far, and `pending`,
// the seqs enqueued and not yet dequeued (ascending). Operations, applied at
// their linearization point:
//   enqueue with seq s:   needs s > last (ZooKeeper numbers creations in commit
//                         order, so the enqueue order IS the seq order);
//                         last := s, pending += s.
//   dequeue → item s:     needs s = min(pending) (the oldest item: FIFO);
//                         pending -= s.
//   dequeue → empty:      needs pending = {}.
//   indeterminate enqueue: its seq is known only if some dequeue saw its value;
//                         then as above, or not at all. Unseen: dropped (had it
//                         taken effect, the final drain would have seen it).
//   indeterminate dequeue with candidate s: as "dequeue → item s", or not at all.
// A history is linearizable when every determinate operation can be placed,
// each between its invoke and its complete, in an order the model accepts
// (the Wing & Gong search of linearizability.ts, per queue: queues are
// independent). The recipe's dequeue linearizes at its successful delete: the
// items below s in its getChildren list were gone (NONODE), and any item
// below s was created before s, so it was in that list.
//
// Checked before the search, each with a plain message:
//   phantom         a dequeue returned a value no enqueue was invoked with;
//   double dequeue  two determinate dequeues returned the same value;
//   duplicate item  one value at two seqs (an enqueue applied twice);
//   wrong item      a value dequeued at another seq than its enqueue was told;
//   lost            an acknowledged enqueue that no dequeue (determinate, or an
//                   indeterminate one's candidate) took, although a dequeue
//                   invoked after the enqueue's reply found the queue empty
//                   (the drain at the end of a run is that dequeue).
// Order violations (an item taken while an older acknowledged one waits, an
// empty answer while items wait, an item taken before its enqueue began) are
// what only the search finds: "not linearizable".

import { checkPartition, type Model, type Verdict } from './linearizability'

export interface QueueOp {
  id: number
  session: number
  /** the session's connection at invoke */
  conn: number
  /** the queue znode, e.g. /h/q/q0 */
  queue: string
  kind: 'enqueue' | 'dequeue'
  /** enqueue: the (unique) value; dequeue: the value of the item taken (or of the candidate) */
  value?: string
  /** enqueue: the seq its reply named; dequeue: the item taken, or an indeterminate one's candidate */
  seq?: number
  /** dequeue: answered "empty" */
  empty?: boolean
  invoke: number
  /** absent: indeterminate */
  complete?: number
}

export type QueueViolationKind = 'phantom' | 'double dequeue' | 'duplicate item' | 'wrong item' | 'lost' | 'not linearizable'

export interface QueueViolation {
  queue: string
  kind: QueueViolationKind
  detail: string
}

export interface QueueVerdict {
  queue: string
  verdict: Verdict
  ops: number
  steps: number
}

export interface QueueReport {
  verdict: Verdict
  /** operations recorded */
  ops: number
  /** operations in the search (indeterminate ones that changed nothing are not) */
  checked: number
  indeterminate: number
  /** acknowledged enqueues, and determinate dequeues that took an item */
  enqueued: number
  dequeued: number
  queues: QueueVerdict[]
  violations: QueueViolation[]
}

interface QState { last: number, pending: readonly number[] }

interface Placed { op: QueueOp, seq: number | undefined, invoke: number, complete?: number }

const queueModel: Model<QState, Placed> = {
  init: { last: -1, pending: [] },
  key: (s) => `${s.last}|${s.pending.join(',')}`,
  step (s, p) {
    if (p.op.kind === 'enqueue') {
      const seq = p.seq as number
      return seq > s.last ? { last: seq, pending: [...s.pending, seq] } : undefined
    }
    if (p.seq === undefined) return s.pending.length === 0 ? s : undefined
    return s.pending[0] === p.seq ? { last: s.last, pending: s.pending.slice(1) } : undefined
  }
}

export function describeQueueOp (op: QueueOp): string {
  const when = `[${op.invoke.toFixed(1)}, ${op.complete === undefined ? '∞' : op.complete.toFixed(1)}]`
  const what = op.kind === 'enqueue'
    ? `enqueue(${op.value}) ${op.complete === undefined ? 'no answer' : `→ seq ${op.seq}`}`
    : op.complete === undefined
      ? `dequeue no answer${op.seq !== undefined ? ` (was deleting seq ${op.seq} = ${JSON.stringify(op.value)})` : ''}`
      : op.empty === true ? 'dequeue → empty' : `dequeue → seq ${op.seq} = ${JSON.stringify(op.value)}`
  return `#${op.id} s${op.session}/c${op.conn} ${when} ${op.queue} ${what}`
}

export function checkQueues (all: readonly QueueOp[], timeLimitMs = 30_000): QueueReport {
  const deadline = Date.now() + timeLimitMs
  const byQueue = new Map<string, QueueOp[]>()
  for (const op of all) {
    let l = byQueue.get(op.queue)
    if (l === undefined) byQueue.set(op.queue, l = [])
    l.push(op)
  }
  const report: QueueReport = { verdict: 'ok', ops: all.length, checked: 0, indeterminate: 0, enqueued: 0, dequeued: 0, queues: [], violations: [] }
  for (const op of all) {
    if (op.complete === undefined) report.indeterminate++
    else if (op.kind === 'enqueue') report.enqueued++
    else if (op.empty !== true) report.dequeued++
  }
  for (const [queue, ops] of byQueue) {
    const v = checkQueue(queue, ops, deadline, report)
    report.queues.push(v)
  }
  report.verdict = report.violations.length > 0 ? 'violation' : report.queues.some((q) => q.verdict === 'unknown') ? 'unknown' : 'ok'
  return report
}

function checkQueue (queue: string, ops: QueueOp[], deadline: number, report: QueueReport): QueueVerdict {
  const fail = (kind: QueueViolationKind, detail: string): void => { report.violations.push({ queue, kind, detail }) }
  const before = report.violations.length

  const enqueueOf = new Map<string, QueueOp>()
  for (const op of ops) {
    if (op.kind !== 'enqueue') continue
    if (op.value === undefined) throw new Error(`checkQueues: enqueue #${op.id} has no value`)
    if (enqueueOf.has(op.value)) throw new Error(`checkQueues: two enqueues of ${op.value} (values must be unique)`)
    enqueueOf.set(op.value, op)
  }
  // What the dequeues saw: value → seq, and who took each value.
  const seqOf = new Map<string, number>()
  const takers = new Map<string, QueueOp[]>()
  for (const op of ops) {
    if (op.kind !== 'dequeue' || op.seq === undefined) continue
    const value = op.value ?? ''
    if (!enqueueOf.has(value)) { fail('phantom', `${describeQueueOp(op)}: no enqueue of ${JSON.stringify(value)} was ever invoked`); continue }
    const known = seqOf.get(value)
    if (known !== undefined && known !== op.seq) fail('duplicate item', `${JSON.stringify(value)} is at seq ${known} and at seq ${op.seq}: ${describeQueueOp(op)}`)
    seqOf.set(value, op.seq)
    let l = takers.get(value)
    if (l === undefined) takers.set(value, l = [])
    l.push(op)
  }
  for (const [value, l] of takers) {
    const firm = l.filter((o) => o.complete !== undefined)
    if (firm.length > 1) fail('double dequeue', `${JSON.stringify(value)} dequeued ${firm.length} times:\n${firm.map((o) => '  ' + describeQueueOp(o)).join('\n')}`)
    const enq = enqueueOf.get(value)
    if (enq?.complete !== undefined && enq.seq !== undefined && enq.seq !== seqOf.get(value)) {
      fail('wrong item', `${describeQueueOp(enq)}, but ${JSON.stringify(value)} was dequeued at seq ${seqOf.get(value)}`)
    }
  }
  const emptyAt = ops.filter((o) => o.kind === 'dequeue' && o.complete !== undefined && o.empty === true).map((o) => o.invoke)
  const lastEmpty = Math.max(-Infinity, ...emptyAt)
  for (const enq of enqueueOf.values()) {
    if (enq.complete !== undefined && enq.complete < lastEmpty && !takers.has(enq.value ?? '')) {
      fail('lost', `${describeQueueOp(enq)} was acknowledged, no dequeue took it, and a dequeue invoked at ${lastEmpty.toFixed(1)} found ${queue} empty`)
    }
  }
  if (report.violations.length > before) return { queue, verdict: 'violation', ops: ops.length, steps: 0 }

  const placed: Placed[] = []
  for (const op of ops) {
    if (op.kind === 'enqueue') {
      const seq = op.complete !== undefined ? op.seq : seqOf.get(op.value ?? '')
      if (op.complete !== undefined && seq === undefined) throw new Error(`checkQueues: acknowledged enqueue #${op.id} has no seq`)
      if (seq === undefined) continue
      placed.push({ op, seq, invoke: op.invoke, ...(op.complete !== undefined ? { complete: op.complete } : {}) })
    } else {
      if (op.complete === undefined && op.seq === undefined) continue
      if (op.complete !== undefined && op.empty !== true && op.seq === undefined) throw new Error(`checkQueues: dequeue #${op.id} answered neither an item nor empty`)
      placed.push({ op, seq: op.empty === true ? undefined : op.seq, invoke: op.invoke, ...(op.complete !== undefined ? { complete: op.complete } : {}) })
    }
  }
  report.checked += placed.length
  const r = checkPartition(queueModel, placed, deadline)
  if (r.verdict === 'violation') {
    const prefix = r.longestPrefix ?? []
    const blocked = r.blocked?.op
    fail('not linearizable', [
      `longest linearizable prefix (${prefix.length} ops) ends:`,
      ...prefix.slice(-5).map((p) => '  ' + describeQueueOp(p.op)),
      'then this cannot be placed:',
      blocked !== undefined ? '  ' + describeQueueOp(blocked) : '  ?',
      'operations overlapping it:',
      ...ops.filter((o) => blocked !== undefined && o !== blocked && overlaps(o, blocked)).slice(0, 8).map((o) => '  ' + describeQueueOp(o))
    ].join('\n'))
  }
  return { queue, verdict: r.verdict, ops: placed.length, steps: r.steps }
}

function overlaps (a: QueueOp, b: QueueOp): boolean {
  return a.invoke <= (b.complete ?? Infinity) && b.invoke <= (a.complete ?? Infinity)
}
