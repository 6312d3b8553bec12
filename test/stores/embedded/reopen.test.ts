import { readdirSync } from 'node:fs'
import t from 'tap'
import { CreateFlag, OpCode, createSession, execute, initTree, type Context } from '../../../src/engine'
import type { EmbeddedStore } from '../../../src/stores/embedded'
import { OPEN_ACL, dump, openStore, tempDir, znode } from './fixtures/helpers'

/** Drive the real engine: a tree with data, a session with ephemerals, deletes and setData. */
function workload(store: EmbeddedStore, prefix: string, n: number): void {
  const now = 1_700_000_000_000
  store.transact(() => initTree(store, Buffer.alloc(0)))
  const session = 1000 + store.sessionIds().length
  store.transact(() => createSession(store, now, session, 30_000, 'ab'.repeat(16)))
  const ctx: Context = { session, now, auth: [] }
  const run = (req: Parameters<typeof execute>[2]) => store.transact(() => execute(store, ctx, req)).result
  const create = (path: string, data: Buffer | null, flags = 0) =>
    run({ type: OpCode.create, path, data, dataLength: data === null ? 0 : data.length, acl: OPEN_ACL, flags })
  create(`/${prefix}`, null)
  for (let i = 0; i < n; i++) {
    const data = i % 5 === 0 ? null : i % 5 === 1 ? Buffer.alloc(0) : Buffer.from(`${prefix}-${i}-`.repeat(i % 13))
    create(`/${prefix}/n${i}`, data, i % 7 === 0 ? CreateFlag.EPHEMERAL : CreateFlag.PERSISTENT)
    if (i % 3 === 0) run({ type: OpCode.setData, path: `/${prefix}/n${i}`, data: Buffer.from([0, 1, 2, i & 255]), dataLength: 4, version: -1 })
    if (i % 11 === 10) run({ type: OpCode.delete, path: `/${prefix}/n${i - 1}`, version: -1 })
  }
  create(`/${prefix}/seq-`, Buffer.from('s'), CreateFlag.PERSISTENT_SEQUENTIAL)
}

t.test('reopen after a plain close restores exactly the same state', async (t) => {
  const dir = tempDir(t)
  const a = await openStore(t, { dataDir: dir })
  workload(a, 'p', 200)
  const before = dump(a)
  const seq = a.appliedSeq
  await a.close()

  const b = await openStore(t, { dataDir: dir })
  t.same(dump(b), before, 'same tree, data, stats, sessions, ephemerals')
  t.equal(b.appliedSeq, seq)
  t.equal(b.durableSeq, seq)
  t.ok(b.getSession(1000), 'the session survived')
  const owned = b.getChildren('/p').filter((c) => b.getNode(`/p/${c}`)?.ephemeralOwner === 1000)
  t.ok(owned.length > 20, `${owned.length} ephemeral znodes`)
  t.same(b.getEphemerals(1000).sort(), owned.map((c) => `/p/${c}`).sort(), 'and its ephemerals')
  // the expiry clock restarted at open
  const now = Date.now()
  t.same(b.expiredSessions(now), [], 'a recovered session is not expired at once')
  t.same(b.expiredSessions(now + 30_001), [1000], 'it gets its full timeout from open time')

  // and it keeps going: new records after reopen survive the next reopen
  workload(b, 'q', 50)
  const again = dump(b)
  await b.close()
  const c = await openStore(t, { dataDir: dir })
  t.same(dump(c), again)
})

t.test('snapshot + more records, then reopen', async (t) => {
  const dir = tempDir(t)
  const a = await openStore(t, { dataDir: dir })
  workload(a, 's', 300)
  await a.snapshot()
  t.ok(a.stats().lastSnapshotZxid > 0, 'lastSnapshotZxid reports it')
  const snapZxid = a.stats().lastSnapshotZxid
  t.equal(snapZxid, a.getZxid())
  workload(a, 't', 100)
  a.transact(() => a.putNode('/empty', znode(Buffer.alloc(0))))
  const before = dump(a)
  await a.close()
  t.ok(readdirSync(dir).some((f) => f.startsWith('snap.')), 'a snapshot file exists')

  const b = await openStore(t, { dataDir: dir })
  t.same(dump(b), before)
  t.equal(b.stats().lastSnapshotZxid, snapZxid)
  t.same(b.getNode('/empty')?.data, Buffer.alloc(0))
})

t.test('many records across segment rollover and automatic snapshots, with compaction', async (t) => {
  const dir = tempDir(t)
  const opts = { dataDir: dir, fsync: false, segmentBytes: 16 * 1024, snapshotEveryRecords: 700 }
  const a = await openStore(t, opts)
  let maxSegments = 0
  let maxSnapshots = 0
  for (let round = 0; round < 10; round++) {
    workload(a, `r${round}`, 150)
    await a.whenDurable(a.appliedSeq)
    await new Promise((r) => setTimeout(r, 20)) // let a triggered snapshot run
    const files = readdirSync(dir)
    maxSegments = Math.max(maxSegments, files.filter((f) => f.startsWith('log.')).length)
    maxSnapshots = Math.max(maxSnapshots, files.filter((f) => /^snap\.\d+$/.test(f)).length)
  }
  const before = dump(a)
  const seq = a.appliedSeq
  await a.close()
  const files = readdirSync(dir)
  const segments = files.filter((f) => f.startsWith('log.'))
  const snaps = files.filter((f) => /^snap\.\d+$/.test(f))
  t.ok(seq > 2000, `${seq} records written`)
  t.ok(maxSegments > 3, `the log rolled (up to ${maxSegments} segments at once)`)
  t.ok(snaps.length >= 1 && snaps.length <= 2, `automatic snapshots, at most two kept (${snaps.length})`)
  t.ok(maxSnapshots <= 2, 'never more than two snapshots on disk')
  t.ok(segments.length < seq / 50, `compaction removed old segments (${segments.length} left)`)
  t.equal(files.filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left')

  const b = await openStore(t, opts)
  t.same(dump(b), before)
  t.equal(b.appliedSeq, seq)
})

t.test('open on an empty store, close, open again: nothing invented', async (t) => {
  const dir = tempDir(t)
  const a = await openStore(t, { dataDir: dir })
  await a.close()
  const b = await openStore(t, { dataDir: dir })
  t.equal(b.appliedSeq, 0)
  t.equal(b.getZxid(), 0)
  t.same(b.sessionIds(), [])
  await b.snapshot()
  t.equal(readdirSync(dir).filter((f) => f.startsWith('snap.')).length, 0, 'nothing to snapshot at seq 0')
})
