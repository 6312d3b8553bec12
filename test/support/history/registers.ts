// The register model: each key is a znode holding (data, version). A read
// (getData) must see the current pair; a write (setData -1) sets the data
// and bumps the version; a compare-and-set (setData v) does that only when
// the version is v, and is answered BADVERSION otherwise. Every write carries
// a value no other write carries, so a read names the write it saw.
//
// checkRegisters partitions the history per key (registers are independent,
// so the history is linearizable iff each key's is), checks each key within
// a shared time limit and reports 'unknown', never 'ok', when it runs out.

import { checkPartition, type Model, type Verdict } from './linearizability'
import { DETERMINATE_ERRS, type History, type RegisterOp } from './types'

interface RegState { value: string, version: number }

const BADVERSION = -103
/** the value of an unanswered write nobody read */
const UNREAD = '\u0000unread'

function registerModel (init: RegState): Model<RegState, RegisterOp> {
  return {
    init,
    key: (s) => `${s.version}:${s.value}`,
    step (s, op) {
      const known = op.complete !== undefined && op.err !== undefined && DETERMINATE_ERRS.has(op.err)
      switch (op.kind) {
        case 'read':
          // indeterminate reads are filtered out before the search
          return op.read === s.value && op.version === s.version ? s : undefined
        case 'write':
          if (!known) return { value: op.value ?? '', version: s.version + 1 }
          if (op.err !== 0) return undefined
          return op.version === undefined || op.version === s.version + 1 ? { value: op.value ?? '', version: s.version + 1 } : undefined
        case 'cas': {
          const matches = s.version === op.expect
          if (!known) return matches ? { value: op.value ?? '', version: s.version + 1 } : s
          if (op.err === BADVERSION) return matches ? undefined : s
          if (!matches) return undefined
          return op.version === undefined || op.version === s.version + 1 ? { value: op.value ?? '', version: s.version + 1 } : undefined
        }
      }
    }
  }
}

export interface KeyVerdict {
  key: string
  verdict: Verdict
  ops: number
  steps: number
  /** on violation: a readable account */
  detail?: string[]
}

export interface RegisterReport {
  verdict: Verdict
  /** operations checked (indeterminate reads are not: they say nothing) */
  checked: number
  indeterminate: number
  keys: KeyVerdict[]
  violations: KeyVerdict[]
}

export function describeOp (op: RegisterOp): string {
  const what = op.kind === 'read'
    ? `read${op.watch === true ? '+watch' : ''}`
    : op.kind === 'write' ? `write(${op.value})` : `cas(${op.expect} → ${op.value})`
  const out = op.complete === undefined
    ? 'no answer'
    : op.err !== 0 ? `err ${op.err}` : op.kind === 'read' ? `→ ${JSON.stringify(op.read)} v${op.version}` : `→ ok v${op.version}`
  const when = `[${op.invoke.toFixed(1)}, ${op.complete === undefined ? '∞' : op.complete.toFixed(1)}]`
  return `#${op.id} s${op.session}/c${op.conn} xid ${op.xid} ${when} ${op.key} ${what} ${out}${op.zxid !== undefined ? ` zxid 0x${op.zxid.toString(16)}` : ''}`
}

export function checkRegisters (h: History, timeLimitMs = 30_000): RegisterReport {
  const deadline = Date.now() + timeLimitMs
  const byKey = new Map<string, RegisterOp[]>()
  let indeterminate = 0
  let checked = 0
  for (const recorded of h.ops) {
    let op = recorded
    if (!DETERMINATE_ERRS.has(op.err ?? NaN) || op.complete === undefined) {
      indeterminate++
      if (op.kind === 'read') continue
      // an indeterminate op may take effect at any time after its call
      op = { ...recorded }
      delete op.complete
    }
    checked++
    let l = byKey.get(op.key)
    if (l === undefined) byKey.set(op.key, l = [])
    l.push(op)
  }
  const keys: KeyVerdict[] = []
  for (const [key, ops] of byKey) {
    const init = h.initial.get(key)
    if (init === undefined) throw new Error(`checkRegisters: no initial value for ${key}`)
    // Indeterminate writes whose value nobody read differ only in when they were sent
    // (only the version they bump can show): one value for all, so the memo merges their states.
    const seen = new Set(ops.filter((o) => o.kind === 'read').map((o) => o.read))
    for (const o of ops) if (o.complete === undefined && o.kind !== 'read' && !seen.has(o.value)) o.value = UNREAD
    const token = (o: RegisterOp): string | undefined =>
      o.kind === 'read' || o.value !== UNREAD ? undefined : o.kind === 'write' ? 'w' : `c${o.expect ?? ''}`
    const r = checkPartition(registerModel(init), ops, deadline, token)
    const kv: KeyVerdict = { key, verdict: r.verdict, ops: ops.length, steps: r.steps }
    if (r.verdict === 'violation') {
      const prefix = r.longestPrefix ?? []
      kv.detail = [
        `initial ${JSON.stringify(init.value)} v${init.version}; longest linearizable prefix (${prefix.length} ops) ends:`,
        ...prefix.slice(-5).map((o) => '  ' + describeOp(o)),
        'then this cannot be placed:',
        r.blocked !== undefined ? '  ' + describeOp(r.blocked) : '  ?',
        'operations overlapping it:',
        ...ops.filter((o) => r.blocked !== undefined && o !== r.blocked && overlaps(o, r.blocked)).slice(0, 8).map((o) => '  ' + describeOp(o))
      ]
    }
    keys.push(kv)
  }
  const violations = keys.filter((k) => k.verdict === 'violation')
  const verdict: Verdict = violations.length > 0 ? 'violation' : keys.some((k) => k.verdict === 'unknown') ? 'unknown' : 'ok'
  return { verdict, checked, indeterminate, keys, violations }
}

function overlaps (a: RegisterOp, b: RegisterOp): boolean {
  return a.invoke <= (b.complete ?? Infinity) && b.invoke <= (a.complete ?? Infinity)
}
