// The sequential-queue model of the history checker on hand-made histories:
// histories that must fail (a lost item, a double dequeue, items out of
// order, a phantom item, an empty answer while an item waits) next to ones
// that must pass (overlapping operations, indeterminate ones taking effect
// or not), and a large simulated concurrent history that must pass, then
// fail once one of its answers is altered.

import t from 'tap'
import { checkHistory, checkQueues, type QueueOp, type QueueViolationKind } from '../support/history'
import { prng } from '../faults/workload'

const Q = '/q/q0'

/** A hand-made queue history: every op on its own session unless said otherwise. */
class QHist {
  readonly ops: QueueOp[] = []

  private add (kind: QueueOp['kind'], at: [number, number | undefined], fields: Partial<QueueOp>): QueueOp {
    const op: QueueOp = { id: this.ops.length, session: this.ops.length, conn: 0, queue: Q, kind, invoke: at[0], ...fields }
    if (at[1] !== undefined) op.complete = at[1]
    this.ops.push(op)
    return op
  }

  /** enqueue(value) answered with seq (or unanswered: at[1] undefined) */
  enq (at: [number, number | undefined], value: string, seq?: number, fields: Partial<QueueOp> = {}): QueueOp {
    return this.add('enqueue', at, { value, ...(at[1] !== undefined ? { seq } : {}), ...fields })
  }

  /** dequeue → (seq, value); unanswered with a candidate when at[1] is undefined */
  deq (at: [number, number | undefined], seq: number, value: string, fields: Partial<QueueOp> = {}): QueueOp {
    return this.add('dequeue', at, { seq, value, ...fields })
  }

  empty (at: [number, number], fields: Partial<QueueOp> = {}): QueueOp {
    return this.add('dequeue', at, { empty: true, ...fields })
  }

  /** an unanswered dequeue that never got to a delete */
  lostDeq (at: number): QueueOp {
    return this.add('dequeue', [at, undefined], {})
  }
}

const kinds = (b: QHist): QueueViolationKind[] => checkQueues(b.ops, 5000).violations.map((v) => v.kind)
const verdict = (b: QHist): string => checkQueues(b.ops, 5000).verdict

t.test('queue: histories that must fail', async (t) => {
  let b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([2, 3], 'b', 1)
  b.deq([4, 5], 0, 'a')
  b.empty([6, 7])
  t.same(kinds(b), ['lost'], 'lost item: b was acknowledged, nobody took it, the drain found the queue empty')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.deq([2, 3], 0, 'a')
  b.deq([4, 5], 0, 'a')
  t.same(kinds(b), ['double dequeue'], 'double dequeue: two clients both own a')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([0, 1], 'b', 1)
  b.deq([2, 3], 0, 'a')
  b.deq([2, undefined], 0, 'a')
  b.deq([2, 3], 0, 'a')
  t.same(kinds(b), ['double dequeue'], 'double dequeue: an unanswered third taker does not excuse the two answered ones')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([2, 3], 'b', 1)
  b.deq([4, 5], 1, 'b')
  b.deq([6, 7], 0, 'a')
  t.same(kinds(b), ['not linearizable'], 'out of order: b taken while a, enqueued before b began, waits')

  b = new QHist()
  b.enq([0, 1], 'a', 5)
  b.enq([2, 3], 'b', 4)
  b.deq([4, 5], 4, 'b')
  b.deq([6, 7], 5, 'a')
  t.same(kinds(b), ['not linearizable'], 'out of order: b, enqueued after a was acknowledged, got a lower seq')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.deq([2, 3], 7, 'zz')
  t.same(kinds(b), ['phantom'], 'phantom: a value nobody enqueued')

  b = new QHist()
  b.deq([0, 1], 0, 'a')
  b.enq([2, 3], 'a', 0)
  t.same(kinds(b), ['not linearizable'], 'phantom in time: an item dequeued before its enqueue was invoked')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.empty([2, 3])
  b.deq([4, 5], 0, 'a')
  t.same(kinds(b), ['not linearizable'], 'empty while an acknowledged item waits')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.deq([2, 3], 0, 'a')
  b.deq([4, 5], 3, 'a')
  t.ok(kinds(b).includes('duplicate item'), 'duplicate item: one value at two seqs (an enqueue applied twice)')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.deq([2, 3], 2, 'a')
  t.same(kinds(b), ['wrong item'], 'wrong item: a dequeued at another seq than its enqueue was told')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([0, 1], 'b', 1)
  b.deq([2, undefined], 0, 'a')
  b.deq([4, 5], 0, 'a')
  b.deq([4, 5], 1, 'b')
  b.deq([6, undefined], 0, 'a')
  t.equal(verdict(b), 'ok', '(control) unanswered candidates next to one answered taker')
  b.ops[3].seq = 1
  b.ops[3].value = 'b'
  t.not(verdict(b), 'ok', 'then the answered taker of a takes b too: double dequeue')

  const h = new QHist()
  h.enq([0, 1], 'a', 0)
  h.deq([2, 3], 0, 'zz')
  const report = checkHistory({ ops: [], log: new Map(), initial: new Map(), queues: h.ops })
  t.equal(report.violations, 1, 'checkHistory counts queue violations')
  t.match(report.details[0], /^queue phantom: \/q\/q0: /, 'and explains them')
})

t.test('queue: histories that must pass', async (t) => {
  let b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([2, 3], 'b', 1)
  b.deq([4, 5], 0, 'a')
  b.deq([6, 7], 1, 'b')
  b.empty([8, 9])
  t.equal(verdict(b), 'ok', 'sequential FIFO')

  b = new QHist()
  b.enq([0, 10], 'a', 1)
  b.enq([1, 9], 'b', 0)
  b.deq([2, 11], 0, 'b')
  b.deq([3, 12], 1, 'a')
  b.empty([20, 21])
  t.equal(verdict(b), 'ok', 'overlapping enqueues in either order, overlapping dequeues')

  b = new QHist()
  b.empty([0, 5])
  b.enq([1, 2], 'a', 0)
  b.deq([3, 4], 0, 'a')
  t.equal(verdict(b), 'ok', 'an empty answer overlapping an enqueue and its dequeue (placed before both)')

  b = new QHist()
  b.enq([0, undefined], 'a')
  b.enq([1, 2], 'b', 1)
  b.deq([3, 4], 1, 'b')
  b.empty([5, 6])
  t.equal(verdict(b), 'ok', 'an unanswered enqueue that did not happen')

  b = new QHist()
  b.enq([0, undefined], 'a')
  b.enq([1, 2], 'b', 1)
  b.deq([3, 4], 0, 'a')
  b.deq([5, 6], 1, 'b')
  b.empty([7, 8])
  t.equal(verdict(b), 'ok', 'an unanswered enqueue that did happen, before b')

  b = new QHist()
  b.enq([1, 2], 'b', 1)
  b.enq([0, undefined], 'a')
  b.deq([3, 4], 1, 'b')
  b.deq([5, 6], 2, 'a')
  b.empty([7, 8])
  t.equal(verdict(b), 'ok', 'an unanswered enqueue that happened late, after b')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([2, 3], 'b', 1)
  b.deq([4, undefined], 0, 'a')
  b.deq([5, 6], 1, 'b')
  b.empty([7, 8])
  t.equal(verdict(b), 'ok', 'an unanswered dequeue that took a (the drain does not find it)')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.deq([2, undefined], 0, 'a')
  b.deq([3, 4], 0, 'a')
  b.empty([5, 6])
  t.equal(verdict(b), 'ok', 'an unanswered dequeue whose delete did not happen: someone else took a')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.lostDeq(2)
  b.deq([3, 4], 0, 'a')
  b.empty([5, 6])
  t.equal(verdict(b), 'ok', 'an unanswered dequeue that never sent a delete changes nothing')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.enq([2, 3], 'b', 1)
  b.deq([4, 5], 0, 'a')
  t.equal(verdict(b), 'ok', 'no drain: an item still in the queue is not lost')

  b = new QHist()
  b.enq([0, 1], 'a', 0)
  b.ops.push({ ...b.ops[0], id: 1, queue: '/q/q1', value: 'x', seq: 0 })
  b.deq([2, 3], 0, 'a')
  b.ops.push({ ...b.ops[2], id: 3, queue: '/q/q1', value: 'x', seq: 0 })
  t.equal(verdict(b), 'ok', 'queues are independent: the same seqs in two queues')
})

/**
 * A correct queue run by construction: `clients` clients, each doing one
 * operation at a time with random durations, on a queue whose state changes
 * at a random instant inside each operation; some answers are lost (the
 * effect may or may not have happened). Ends with a drain.
 */
function simulate (seed: number, clients: number, opsEach: number): QueueOp[] {
  const r = prng(seed)
  const ops: QueueOp[] = []
  const queue: Array<{ seq: number, value: string }> = []
  let seq = 0
  let n = 0
  // events: each client's next op is [invoke, point, complete]; the queue changes at `point`
  const clock = Array.from({ length: clients }, () => r() * 5)
  const pending: Array<{ at: number, run: () => void }> = []
  for (let c = 0; c < clients; c++) {
    for (let i = 0; i < opsEach; i++) {
      const invoke = clock[c]
      const point = invoke + r() * 3
      const complete = point + r() * 3
      clock[c] = complete + r()
      const lost = r() < 0.05
      if (r() < 0.5) {
        const op: QueueOp = { id: -1, session: c, conn: 0, queue: Q, kind: 'enqueue', value: `v${n++}`, invoke }
        ops.push(op)
        const happens = !lost || r() < 0.5
        pending.push({ at: point, run: () => { if (happens) { const s = seq++; queue.push({ seq: s, value: op.value ?? '' }); if (!lost) { op.complete = complete; op.seq = s } } } })
      } else {
        const op: QueueOp = { id: -1, session: c, conn: 0, queue: Q, kind: 'dequeue', invoke }
        ops.push(op)
        pending.push({
          at: point,
          run: () => {
            const head = queue[0]
            if (lost) {
              if (head !== undefined) { op.seq = head.seq; op.value = head.value; if (r() < 0.5) queue.shift() }
              return
            }
            op.complete = complete
            if (head === undefined) op.empty = true
            else { queue.shift(); op.seq = head.seq; op.value = head.value }
          }
        })
      }
    }
  }
  pending.sort((a, b) => a.at - b.at)
  for (const p of pending) p.run()
  let end = Math.max(...clock) + 1
  for (;;) {
    const head = queue.shift()
    const op: QueueOp = { id: -1, session: clients, conn: 0, queue: Q, kind: 'dequeue', invoke: end, complete: end + 0.5 }
    if (head === undefined) op.empty = true
    else { op.seq = head.seq; op.value = head.value }
    ops.push(op)
    end += 1
    if (head === undefined) break
  }
  ops.forEach((o, i) => { o.id = i })
  return ops
}

t.test('queue: a large simulated concurrent history passes, and fails once altered', async (t) => {
  for (const seed of [1, 2, 3]) {
    const ops = simulate(seed, 8, 250)
    const r = checkQueues(ops, 20_000)
    t.equal(r.verdict, 'ok', `seed ${seed}: ${r.ops} ops (${r.checked} checked, ${r.indeterminate} indeterminate, ${r.enqueued} enqueued, ${r.dequeued} dequeued), ${r.queues[0].steps} steps`)

    // two answered dequeues that took different items swap what they say they took
    const takers = ops.filter((o) => o.kind === 'dequeue' && o.complete !== undefined && o.empty !== true)
    const [x, y] = [takers[10], takers[40]]
    ;[x.seq, y.seq, x.value, y.value] = [y.seq, x.seq, y.value, x.value]
    t.equal(checkQueues(ops, 20_000).verdict, 'violation', `seed ${seed}: two dequeues swapped: out of order`)
  }
})
