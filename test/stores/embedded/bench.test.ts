// Figures, printed and not asserted (speed is for benchmarks, not tests):
// log throughput with and without fsync, pipelined (group commit) and one at
// a time, and the cost of snapshotting and reloading 100k znodes. What is
// asserted is that the data written for the figures is all there afterwards.

import { performance } from 'node:perf_hooks'
import t from 'tap'
import { EmbeddedStore } from '../../../src/stores/embedded'
import { captureLogger, openStore, tempDir, znode } from './fixtures/helpers'

const PIPELINED = 20_000
const SEQUENTIAL = 1_000
const ZNODES = 100_000

function put(store: EmbeddedStore, i: number): number {
  return store.transact(() => {
    store.putNode(`/b${i}`, znode(Buffer.from(`value-${i}`)))
    store.setZxid(i)
  }).seq
}

for (const fsync of [true, false]) {
  t.test(`log throughput, fsync ${fsync ? 'on' : 'off'}`, async (t) => {
    const dir = tempDir(t)
    const store = await openStore(t, { dataDir: dir, fsync })
    let rounds = 0
    store.on('durable', () => rounds++)

    // pipelined: many clients' writes in flight together, sharing fsyncs
    let start = performance.now()
    let last = 0
    for (let i = 1; i <= PIPELINED; i++) {
      last = put(store, i)
      if (i % 100 === 0) await new Promise((r) => setImmediate(r)) // let the log loop interleave, as sockets would
    }
    await store.whenDurable(last)
    const pipelinedMs = performance.now() - start
    const pipelinedRounds = rounds

    // one at a time: each write waits for its own fsync
    start = performance.now()
    for (let i = PIPELINED + 1; i <= PIPELINED + SEQUENTIAL; i++) await store.whenDurable(put(store, i))
    const sequentialMs = performance.now() - start

    t.comment(
      `fsync ${fsync ? 'on ' : 'off'}: pipelined ${Math.round(PIPELINED / (pipelinedMs / 1000))} records/s ` +
        `(${PIPELINED} records in ${pipelinedRounds} write rounds, ${(PIPELINED / pipelinedRounds).toFixed(1)} per round); ` +
        `one at a time ${Math.round(SEQUENTIAL / (sequentialMs / 1000))} records/s`,
    )
    await store.close()
    const again = await openStore(t, { dataDir: dir })
    t.equal(again.appliedSeq, PIPELINED + SEQUENTIAL, 'every record is in the log')
    t.same(again.getNode(`/b${PIPELINED + SEQUENTIAL}`)?.data, Buffer.from(`value-${PIPELINED + SEQUENTIAL}`))
  })
}

t.test(`snapshot and reload of ${ZNODES / 1000}k znodes`, async (t) => {
  const dir = tempDir(t)
  const { logger, lines } = captureLogger()
  // thresholds high enough that only our explicit snapshot runs
  const store = await openStore(t, { dataDir: dir, fsync: false, logger, snapshotEveryRecords: 10 * ZNODES })
  store.transact(() => store.putNode('/', znode(null)))
  for (let i = 0; i < ZNODES; i += 1000) {
    store.transact(() => {
      for (let j = i; j < i + 1000; j++) {
        store.putNode(`/z${j}`, znode(Buffer.from(`data-${j}-`.repeat(4)), { czxid: j, mzxid: j }))
        store.addChild('/', `z${j}`)
      }
      store.setZxid(i + 1000)
    })
  }
  await store.whenDurable(store.appliedSeq)

  const start = performance.now()
  await store.snapshot()
  const totalMs = performance.now() - start
  const entry = lines.find((l) => l.msg === 'snapshot written') as { serializeMs: number; longestSliceMs: number; slices: number; bytes: number } | undefined
  t.ok(entry, 'the store logged the snapshot')
  t.comment(
    `snapshot of ${ZNODES} znodes: ${entry?.serializeMs} ms serialising in ${entry?.slices} slices (event loop held ${entry?.longestSliceMs} ms at most), ` +
      `${Math.round(totalMs)} ms in all, ${((entry?.bytes ?? 0) / 1048576).toFixed(1)} MiB`,
  )
  await store.close()

  const openStart = performance.now()
  const again = await openStore(t, { dataDir: dir, fsync: false })
  t.comment(`reopen from that snapshot: ${Math.round(performance.now() - openStart)} ms`)
  t.equal(again.stats().nodeCount, ZNODES + 1)
  t.equal(again.getChildren('/').length, ZNODES)
  t.equal(again.getZxid(), ZNODES)
  t.equal(again.getNode(`/z${ZNODES - 1}`)?.czxid, ZNODES - 1)
})
