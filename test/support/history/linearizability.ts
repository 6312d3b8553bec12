// A linearizability checker for one partition of a history (one register,
// one queue): the Wing & Gong search with Lowe's memoisation, as Porcupine
// does it. Operations are laid on a time line of call and return entries;
// the search repeatedly picks an operation whose call is before the first
// pending return, applies it to the model, and backtracks when the first
// return on the line belongs to an operation it could not place. A
// (set-of-linearized-ops, model-state) pair already explored is never
// explored again, which keeps real histories (mostly sequential, some
// overlap) near linear.
//
// Indeterminate operations (no return) have no return entry: they may be
// placed anywhere after their call, or nowhere (they did not take effect).
// The history is linearizable once every determinate operation is placed.

export interface Model<S, Op> {
  init: S
  /** The state after `op` applied to `s`, or undefined if `op`'s recorded outcome is impossible in `s`. */
  step (s: S, op: Op): S | undefined
  /** a string that identifies the state, for the memo */
  key (s: S): string
}

/**
 * Interchangeable operations: indeterminate operations with the same effect
 * whatever they are (e.g. writes whose value nobody read: each only bumps
 * the version). Any linearization can use those of one class in the order
 * of their calls (an earlier-called one can take a later-called one's place),
 * so the search only ever tries the earliest unplaced one of each class,
 * which removes the factorial blow-up of many unanswered writes.
 */
export type TokenClass<Op> = (op: Op) => string | undefined

export interface Timed {
  invoke: number
  /** absent: indeterminate */
  complete?: number
}

export type Verdict = 'ok' | 'violation' | 'unknown'

export interface SearchResult<Op> {
  verdict: Verdict
  /** states explored */
  steps: number
  /** on violation: the longest prefix placed, and the operation that could not be placed after it */
  longestPrefix?: Op[]
  blocked?: Op
}

interface Entry<Op> {
  op: Op
  index: number
  isCall: boolean
  time: number
  /** the call's matching return entry (undefined for an indeterminate op) */
  match: Entry<Op> | undefined
  prev: Entry<Op> | undefined
  next: Entry<Op> | undefined
}

export function checkPartition<S, Op extends Timed> (model: Model<S, Op>, ops: readonly Op[], deadline: number, tokenClass?: TokenClass<Op>): SearchResult<Op> {
  // per class: its ops' indexes in call order, and how many are placed
  const classOf = new Int32Array(ops.length).fill(-1)
  const rank = new Int32Array(ops.length)
  const placedInClass: number[] = []
  if (tokenClass !== undefined) {
    const classes = new Map<string, number[]>()
    const order = ops.map((op, i) => [op.invoke, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    for (const [, i] of order) {
      if (ops[i].complete !== undefined) continue
      const c = tokenClass(ops[i])
      if (c === undefined) continue
      let l = classes.get(c)
      if (l === undefined) classes.set(c, l = [])
      rank[i] = l.length
      l.push(i)
    }
    let k = 0
    for (const l of classes.values()) {
      for (const i of l) classOf[i] = k
      placedInClass.push(0)
      k++
    }
  }

  const entries: Array<Entry<Op>> = []
  let pendingReturns = 0
  ops.forEach((op, index) => {
    const call: Entry<Op> = { op, index, isCall: true, time: op.invoke, match: undefined, prev: undefined, next: undefined }
    entries.push(call)
    if (op.complete !== undefined) {
      const ret: Entry<Op> = { op, index, isCall: false, time: op.complete, match: undefined, prev: undefined, next: undefined }
      call.match = ret
      entries.push(ret)
      pendingReturns++
    }
  })
  // Ties: calls before returns, so operations that touch count as concurrent
  // (the permissive reading: no false alarm from clock resolution).
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1))
  const head: Entry<Op> = { op: undefined as unknown as Op, index: -1, isCall: false, time: -Infinity, match: undefined, prev: undefined, next: undefined }
  let last = head
  for (const e of entries) { last.next = e; e.prev = last; last = e }

  const words = Math.ceil(ops.length / 32)
  const placed = new Uint32Array(words)
  const memo = new Set<string>()
  const stack: Array<{ entry: Entry<Op>, state: S }> = []
  let state = model.init
  let entry = head.next
  let steps = 0
  let best: { depth: number, prefix: Op[], blocked: Op | undefined } = { depth: -1, prefix: [], blocked: undefined }

  const lift = (e: Entry<Op>): void => {
    // unlink the call and its return
    e.prev!.next = e.next
    if (e.next !== undefined) e.next.prev = e.prev
    const r = e.match
    if (r !== undefined) {
      r.prev!.next = r.next
      if (r.next !== undefined) r.next.prev = r.prev
      pendingReturns--
    }
  }
  const unlift = (e: Entry<Op>): void => {
    const r = e.match
    if (r !== undefined) {
      r.prev!.next = r
      if (r.next !== undefined) r.next.prev = r
      pendingReturns++
    }
    e.prev!.next = e
    if (e.next !== undefined) e.next.prev = e
  }

  while (pendingReturns > 0) {
    if ((++steps & 0x3ff) === 0 && Date.now() > deadline) return { verdict: 'unknown', steps }
    if (entry === undefined) throw new Error('linearizability: ran off the time line with returns pending')
    if (entry.isCall) {
      const cls = classOf[entry.index]
      if (cls >= 0 && rank[entry.index] !== placedInClass[cls]) {
        // not the earliest unplaced of its class: that one stands for it
        entry = entry.next
        continue
      }
      const next = model.step(state, entry.op)
      if (next !== undefined) {
        const bit = 1 << (entry.index & 31)
        const w = entry.index >>> 5
        placed[w] |= bit
        const k = placed.join(',') + '|' + model.key(next)
        if (!memo.has(k)) {
          memo.add(k)
          stack.push({ entry, state })
          state = next
          lift(entry)
          if (cls >= 0) placedInClass[cls]++
          entry = head.next
          continue
        }
        placed[w] &= ~bit
      }
      entry = entry.next
    } else {
      // The first pending return: its operation could not be placed here.
      if (stack.length > best.depth) best = { depth: stack.length, prefix: stack.map((s) => s.entry.op), blocked: entry.op }
      const top = stack.pop()
      if (top === undefined) return { verdict: 'violation', steps, longestPrefix: best.prefix, blocked: best.blocked ?? entry.op }
      state = top.state
      placed[top.entry.index >>> 5] &= ~(1 << (top.entry.index & 31))
      unlift(top.entry)
      if (classOf[top.entry.index] >= 0) placedInClass[classOf[top.entry.index]]--
      entry = top.entry.next
    }
  }
  return { verdict: 'ok', steps }
}
