import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execute } from '../../src/engine'
import { Err, OpCode } from '../../src/engine/codes'
import { EmbeddedStore } from '../../src/stores/embedded'
import { Outbox, type FrameSink, type SentHook } from '../../src/server/outbox'
import { fourLetterWord } from '../support/fourlw'
import { startHarness } from './harness'
import { createSession, initTree } from '../../src/engine'

// The durability barrier: nothing leaves before the log records it depends on
// are on disk, every connection's frames leave in production order, and
// pipelined writes from many clients share fsyncs (group commit).

t.setTimeout(60_000)

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** A connection stand-in that records, for each frame, how durable the log was when it left. */
class RecordingSink implements FrameSink {
  alive = true
  readonly got: Array<{ frame: string, durableAtWrite: number }> = []
  ended = false
  constructor (private readonly store: EmbeddedStore) {}
  writeFrame (frame: Buffer, sent: SentHook | undefined): void {
    this.got.push({ frame: frame.toString(), durableAtWrite: this.store.durableSeq })
    sent?.(Date.now())
  }

  endAfterWrites (): void {
    this.ended = true
  }
}

t.test('outbox over the real embedded store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rk-outbox-'))
  const store = await EmbeddedStore.open({ dataDir: dir, fsync: true })
  t.teardown(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  store.transact(() => initTree(store, Buffer.alloc(0)))
  const SESSION = 7
  store.transact(() => createSession(store, Date.now(), SESSION, 30000, '00'.repeat(16)))
  await store.whenDurable(store.appliedSeq)
  const outbox = new Outbox(store)
  t.teardown(() => outbox.detach())
  const a = new RecordingSink(store)
  const b = new RecordingSink(store)

  // produce interleaved writes and reads for two connections in one tick
  const expected = new Map<RecordingSink, Array<{ frame: string, needs: number }>>([[a, []], [b, []]])
  for (let i = 0; i < 40; i++) {
    const sink = i % 2 === 0 ? a : b
    if (i % 5 === 4) {
      // a read: produces no record, but must not overtake earlier frames
      const out = store.transact(() => execute(store, { session: SESSION, now: Date.now(), auth: [] }, { type: OpCode.exists, path: '/', watch: false }))
      t.equal(out.seq, 0, 'a read writes no log record')
      const frame = `read-${i}`
      expected.get(sink)?.push({ frame, needs: store.appliedSeq })
      outbox.send(sink, Buffer.from(frame))
    } else {
      const out = store.transact(() => execute(store, { session: SESSION, now: Date.now(), auth: [] },
        { type: OpCode.create, path: `/o${i}`, data: null, dataLength: 0, acl: OPEN, flags: 0 }))
      t.equal(out.result.err, Err.OK)
      const frame = `write-${i}`
      expected.get(sink)?.push({ frame, needs: out.seq })
      outbox.send(sink, Buffer.from(frame))
    }
  }
  outbox.close(a)
  t.equal(a.got.length + b.got.length < 40, true, 'frames wait for the fsync instead of leaving at once')
  await store.whenDurable(store.appliedSeq)
  outbox.release()

  for (const [sink, want] of expected) {
    t.same(sink.got.map((g) => g.frame), want.map((w) => w.frame), 'every frame left, in production order')
    sink.got.forEach((g, i) => {
      if (g.durableAtWrite < want[i].needs) t.fail(`${g.frame} left at durableSeq ${g.durableAtWrite} before record ${want[i].needs} was durable`)
    })
  }
  t.ok(a.ended, 'the close queued after a\'s frames was carried out')
  t.notOk(b.ended)
})

t.test('pipelined writes from many clients share fsyncs', async (t) => {
  const h = await startHarness({ fsync: true })
  t.teardown(() => h.stop())
  const clients = await Promise.all(Array.from({ length: 20 }, () => h.connect()))
  const before = mntr(await fourLetterWord('127.0.0.1', h.port, 'mntr'))
  await Promise.all(clients.flatMap((c, ci) => Array.from({ length: 25 }, (_, i) =>
    c.request({ type: OpCode.create, path: `/gc-${ci}-${i}`, data: Buffer.from('x'), dataLength: 1, acl: OPEN, flags: 0 })
      .then((r) => { if (r.err !== Err.OK) throw new Error(`create failed: ${r.err}`) }))))
  const after = mntr(await fourLetterWord('127.0.0.1', h.port, 'mntr'))
  const records = after.records - before.records
  const flushes = after.flushes - before.flushes
  t.equal(records, 500, 'one log record per create')
  t.comment(`${records} records in ${flushes} fsync batches (${(records / Math.max(1, flushes)).toFixed(1)} records per fsync)`)
  t.ok(flushes > 0, 'the log was flushed')
  t.ok(flushes < records, 'fewer fsyncs than records: writes were batched')
})

function mntr (text: string): { records: number, flushes: number } {
  const get = (k: string): number => {
    const m = new RegExp(`^${k}\\t(\\d+)$`, 'm').exec(text)
    if (m === null) throw new Error(`mntr lacks ${k}`)
    return Number(m[1])
  }
  return { records: get('zk_redkeeper_log_records'), flushes: get('zk_redkeeper_log_flushes') }
}
