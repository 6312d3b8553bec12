// The history checker on hand-made histories: each guarantee has histories
// that must fail (stale read, lost write, a write applied twice, replies out
// of order, an event after the data it announces, a lost or stray event)
// next to ones that must pass (overlapping operations, indeterminate ones
// taking effect or not). A checker that cannot fail is worth nothing.

import t from 'tap'
import { checkHistory, checkRegisters, checkSessions, type History, type RegisterOp } from '../support/history'

const K = '/r/k0'
const K2 = '/r/k1'

/** A hand-made history: every op on its own session/connection unless said otherwise. */
class Hist {
  readonly h: History = { ops: [], log: new Map(), initial: new Map([[K, { value: 'init', version: 0 }], [K2, { value: 'init', version: 0 }]]) }
  private xid = 1

  op (kind: RegisterOp['kind'], at: [number, number | undefined], fields: Partial<RegisterOp> = {}): RegisterOp {
    const op: RegisterOp = {
      id: this.h.ops.length, session: fields.session ?? this.h.ops.length, conn: 0, xid: this.xid++, key: K, kind,
      invoke: at[0], ...fields
    }
    if (at[1] !== undefined) { op.complete = at[1]; op.err ??= 0 }
    this.h.ops.push(op)
    return op
  }

  read (at: [number, number | undefined], value: string, version: number, fields: Partial<RegisterOp> = {}): RegisterOp {
    return this.op('read', at, { read: value, version, ...fields })
  }

  write (at: [number, number | undefined], value: string, version?: number, fields: Partial<RegisterOp> = {}): RegisterOp {
    return this.op('write', at, { value, ...(version !== undefined ? { version } : {}), ...fields })
  }

  cas (at: [number, number | undefined], expect: number, value: string, err?: number, fields: Partial<RegisterOp> = {}): RegisterOp {
    return this.op('cas', at, { expect, value, ...(at[1] !== undefined ? { err: err ?? 0 } : {}), ...(err === undefined && at[1] !== undefined ? { version: expect + 1 } : {}), ...fields })
  }

  /** the session log, by hand */
  log (session: number, ...entries: Array<History['log'] extends Map<number, infer L> ? L extends Array<infer E> ? E : never : never>): void {
    this.h.log.set(session, entries)
  }
}

const verdict = (b: Hist, ms = 5000): string => checkRegisters(b.h, ms).verdict

t.test('linearizability: histories that must fail', async (t) => {
  let b = new Hist()
  b.write([0, 1], 'a', 1)
  b.read([2, 3], 'init', 0)
  t.equal(verdict(b), 'violation', 'stale read: a read after an acknowledged write sees the old value')

  b = new Hist()
  b.write([0, 1], 'a', 1)
  b.write([2, 3], 'b', 2)
  b.read([4, 5], 'a', 1)
  t.equal(verdict(b), 'violation', 'lost write: the second acknowledged write is gone')

  b = new Hist()
  b.cas([0, 2], 0, 'a')
  b.cas([1, 3], 0, 'b')
  t.equal(verdict(b), 'violation', 'two compare-and-sets on the same version both succeed')

  b = new Hist()
  b.cas([0, 1], 0, 'a')
  b.cas([2, 3], 1, 'b', -103)
  t.equal(verdict(b), 'violation', 'a compare-and-set on the current version answered BADVERSION')

  b = new Hist()
  b.write([0, 10], 'a')
  b.read([1, 2], 'a', 1)
  b.read([3, 4], 'init', 0)
  t.equal(verdict(b), 'violation', 'a value read, then the older one again (no going back in time)')

  b = new Hist()
  b.read([0, 1], 'a', 1)
  b.write([2, undefined], 'a')
  t.equal(verdict(b), 'violation', 'a read sees an indeterminate write invoked after it returned')

  b = new Hist()
  b.write([0, undefined], 'a')
  b.read([1, 2], 'a', 1)
  b.read([3, 4], 'init', 0)
  t.equal(verdict(b), 'violation', 'an indeterminate write seen, then unseen')

  b = new Hist()
  b.write([0, 1], 'a', 1)
  b.read([2, 3], 'a', 2)
  t.equal(verdict(b), 'violation', 'the right data with the wrong version (a write applied twice)')

  b = new Hist()
  b.read([0, 1], 'nobody wrote this', 1)
  t.equal(verdict(b), 'violation', 'a value no one wrote')

  b = new Hist()
  b.write([0, 1], 'a', 1)
  b.read([2, 3], 'a', 1, { key: K2 })
  t.equal(verdict(b), 'violation', 'registers are independent: a write to one key is not read from another')

  const report = checkHistory(b.h)
  t.equal(report.violations, 1, 'checkHistory counts it')
  t.match(report.details[0], /not linearizable: \/r\/k1[\s\S]*cannot be placed/, 'and says which op could not be placed')
})

t.test('linearizability: histories that must pass', async (t) => {
  let b = new Hist()
  b.write([0, 10], 'a', 1)
  b.read([1, 2], 'init', 0)
  b.read([3, 4], 'a', 1)
  b.read([5, 6], 'a', 1)
  b.read([11, 12], 'a', 1)
  t.equal(verdict(b), 'ok', 'reads overlapping a write see before, then after')

  b = new Hist()
  b.write([0, 10], 'a', undefined)
  b.write([0, 10], 'b', undefined)
  b.read([11, 12], 'a', 2)
  t.equal(verdict(b), 'ok', 'two concurrent writes: either order (b then a)')
  b = new Hist()
  b.write([0, 10], 'a', undefined)
  b.write([0, 10], 'b', undefined)
  b.read([11, 12], 'b', 2)
  t.equal(verdict(b), 'ok', 'two concurrent writes: either order (a then b)')

  b = new Hist()
  b.cas([0, 5], 0, 'a')
  b.cas([1, 6], 0, 'b', -103)
  b.cas([7, 8], 1, 'c')
  b.read([9, 10], 'c', 2)
  t.equal(verdict(b), 'ok', 'concurrent compare-and-sets: one wins, one answered BADVERSION')

  b = new Hist()
  b.write([0, undefined], 'a')
  b.read([5, 6], 'a', 1)
  t.equal(verdict(b), 'ok', 'an indeterminate write that took effect')

  b = new Hist()
  b.write([0, undefined], 'a')
  b.read([5, 6], 'init', 0)
  b.write([7, 8], 'b', 1)
  t.equal(verdict(b), 'ok', 'an indeterminate write that did not take effect')

  b = new Hist()
  b.write([0, undefined], 'a')
  b.read([5, 6], 'init', 0)
  b.read([100, 101], 'a', 1)
  t.equal(verdict(b), 'ok', 'an indeterminate write that took effect late')

  b = new Hist()
  b.cas([0, undefined], 0, 'a', undefined, { err: -4, complete: 1 })
  b.read([5, 6], 'a', 1)
  t.equal(verdict(b), 'ok', 'an error answer that says nothing (CONNECTIONLOSS) leaves the op indeterminate')

  b = new Hist()
  b.read([0, undefined], 'x', 9)
  t.equal(verdict(b), 'ok', 'an unanswered read says nothing')

  // A long mostly-sequential history with overlap, as the fault runs make.
  b = new Hist()
  let v = 0
  for (let i = 0; i < 3000; i++) {
    const at = i * 10
    b.write([at, at + 15], `w${i}`, v + 1, { session: i % 8 })
    v++
    b.read([at + 16, at + 17], `w${i}`, v, { session: (i + 1) % 8 })
  }
  t.equal(verdict(b, 20_000), 'ok', '6000 overlapping operations')
})

t.test('linearizability: many unanswered writes (a sidecar killed under load)', async (t) => {
  // 40 writes in flight when their connections dropped, none of them read;
  // later reads show that 25 of them took effect (the version moved by 25).
  let b = new Hist()
  for (let i = 0; i < 40; i++) b.write([i, undefined], `lost${i}`)
  b.write([100, 101], 'a', 26)
  b.read([102, 103], 'a', 26)
  t.equal(verdict(b), 'ok', 'some of them took effect: a version jump they explain')
  b = new Hist()
  for (let i = 0; i < 40; i++) b.write([i, undefined], `lost${i}`)
  b.write([100, 101], 'a', 42)
  t.equal(verdict(b), 'violation', 'a jump larger than all of them together is not explained')
  b = new Hist()
  for (let i = 0; i < 40; i++) b.write([50 + i, undefined], `lost${i}`)
  b.write([10, 11], 'a', 3)
  t.equal(verdict(b), 'violation', 'nor by writes sent after it was answered')
  b = new Hist()
  for (let i = 0; i < 40; i++) b.write([i, undefined], `lost${i}`)
  b.write([100, 101], 'a', 11)
  b.read([102, 103], 'lost7', 12)
  t.equal(verdict(b), 'ok', 'one of them read: it is placed itself, the others stand in for the rest')
})

t.test('linearizability: out of time is unknown, never ok', async (t) => {
  const b = new Hist()
  for (let i = 0; i < 24; i++) b.write([0, 100], `w${i}`)
  b.read([200, 201], 'none of them', 24)
  const r = checkRegisters(b.h, 0)
  t.equal(r.verdict, 'unknown', 'a search cut short by the time limit')
})

t.test('FIFO per session', async (t) => {
  const b = new Hist()
  const a = b.read([0, 3], 'init', 0, { session: 0 })
  const c = b.read([1, 2], 'init', 0, { session: 0 })
  b.log(0,
    { t: 'invoke', conn: 0, op: a.id, xid: a.xid },
    { t: 'invoke', conn: 0, op: c.id, xid: c.xid },
    { t: 'reply', conn: 0, op: c.id, xid: c.xid, zxid: 5 },
    { t: 'reply', conn: 0, op: a.id, xid: a.xid, zxid: 5 })
  const r = checkSessions(b.h)
  t.equal(r.violations.filter((v) => v.kind === 'fifo').length, 1, 'replies in the wrong order fail')

  b.log(0,
    { t: 'invoke', conn: 0, op: a.id, xid: a.xid },
    { t: 'invoke', conn: 0, op: c.id, xid: c.xid },
    { t: 'drop', conn: 0, reason: 'node killed' },
    { t: 'invoke', conn: 1, op: c.id, xid: 1 },
    { t: 'reply', conn: 1, op: c.id, xid: 1, zxid: 5 })
  t.same(checkSessions(b.h).violations, [], 'a dropped connection leaves its requests unanswered; the next connection starts afresh')

  b.log(0,
    { t: 'invoke', conn: 0, op: a.id, xid: a.xid },
    { t: 'invoke', conn: 0, op: c.id, xid: c.xid },
    { t: 'reply', conn: 0, op: a.id, xid: a.xid, zxid: 5 },
    { t: 'reply', conn: 0, op: c.id, xid: c.xid, zxid: 5 })
  t.same(checkSessions(b.h).violations, [], 'replies in request order pass')
})

t.test('watch before data', async (t) => {
  // session 0 reads K with a watch at mzxid 0x10; session 1 writes K at 0x12;
  // session 0 then reads K2, answered at zxid 0x13.
  const scene = (): { b: Hist, watch: RegisterOp, other: RegisterOp } => {
    const b = new Hist()
    const watch = b.read([0, 1], 'init', 0, { session: 0, watch: true, mzxid: 0x10, zxid: 0x11 })
    b.write([2, 3], 'a', 1, { session: 1, mzxid: 0x12, zxid: 0x12 })
    const other = b.read([4, 5], 'init', 0, { session: 0, key: K2, mzxid: 0x5, zxid: 0x13 })
    return { b, watch, other }
  }
  let { b, watch, other } = scene()
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'invoke', conn: 0, op: other.id, xid: other.xid },
    { t: 'reply', conn: 0, op: other.id, xid: other.xid, zxid: 0x13 },
    { t: 'event', conn: 0, path: K, type: 3 })
  let r = checkSessions(b.h)
  t.equal(r.violations.filter((v) => v.kind === 'watch').length, 1, 'an event after a reply that reflects the later state fails')
  t.match(r.violations[0].detail, /before the event of the data watch on \/r\/k0/, 'and says which watch')

  ;({ b, watch, other } = scene())
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'invoke', conn: 0, op: other.id, xid: other.xid },
    { t: 'reply', conn: 0, op: other.id, xid: other.xid, zxid: 0x13 })
  r = checkSessions(b.h)
  t.equal(r.violations.filter((v) => v.kind === 'watch').length, 1, 'a lost event fails the same way')

  ;({ b, watch, other } = scene())
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'invoke', conn: 0, op: other.id, xid: other.xid },
    { t: 'event', conn: 0, path: K, type: 3 },
    { t: 'reply', conn: 0, op: other.id, xid: other.xid, zxid: 0x13 })
  t.same(checkSessions(b.h).violations, [], 'the event before the reply passes')

  ;({ b, watch, other } = scene())
  other.zxid = 0x11
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'invoke', conn: 0, op: other.id, xid: other.xid },
    { t: 'reply', conn: 0, op: other.id, xid: other.xid, zxid: 0x11 },
    { t: 'event', conn: 0, path: K, type: 3 })
  t.same(checkSessions(b.h).violations, [], 'a reply from before the change may precede the event')

  ;({ b, watch, other } = scene())
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'drop', conn: 0, reason: 'sidecar killed' },
    { t: 'invoke', conn: 1, op: other.id, xid: other.xid },
    { t: 'reply', conn: 1, op: other.id, xid: other.xid, zxid: 0x13 })
  t.same(checkSessions(b.h).violations, [], 'watches go with their connection')

  ;({ b, watch, other } = scene())
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'event', conn: 0, path: K, type: 3 },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'invoke', conn: 0, op: other.id, xid: other.xid },
    { t: 'reply', conn: 0, op: other.id, xid: other.xid, zxid: 0x13 })
  r = checkSessions(b.h)
  t.same(r.violations, [], 'an event that overtakes the reply setting its watch (a replayed request) is counted, not failed')
  t.equal(r.early, 1, 'counted as early')

  ;({ b, watch, other } = scene())
  b.log(0,
    { t: 'invoke', conn: 0, op: watch.id, xid: watch.xid },
    { t: 'reply', conn: 0, op: watch.id, xid: watch.xid, zxid: 0x11 },
    { t: 'event', conn: 0, path: K, type: 3 },
    { t: 'event', conn: 0, path: K, type: 3 })
  t.equal(checkSessions(b.h).violations.filter((v) => v.kind === 'stray').length, 1, 'a duplicated event fails')
})
