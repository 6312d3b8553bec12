// Snapshots are fuzzy: serialised in slices while writes go on. Reopening
// from such a snapshot plus the log after its seq must give exactly the state
// the store had, whatever the writes did to the entries being serialised
// (deleted before or after their turn, deleted and created again, a child set
// emptied and refilled, sessions and their ephemerals going away).

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { EmbeddedStore } from '../../../src/stores/embedded'
import { checkRecovered, type Run } from './fixtures/crash-check'
import { captureLogger, dump, openStore, tempDir, tsNodeArgs, znode } from './fixtures/helpers'

/** a small deterministic PRNG (mulberry32): the same interleaving every run */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const parentOf = (path: string): [string, string] => {
  const i = path.lastIndexOf('/')
  return [i === 0 ? '/' : path.slice(0, i), path.slice(i + 1)]
}

function create(store: EmbeddedStore, path: string, data: string, owner = 0): void {
  const [parent, name] = parentOf(path)
  store.putNode(path, znode(Buffer.from(data), { ephemeralOwner: owner }))
  store.addChild(parent, name)
  if (owner !== 0) store.addEphemeral(owner, path)
}

function remove(store: EmbeddedStore, path: string): void {
  const [parent, name] = parentOf(path)
  const owner = store.getNode(path)?.ephemeralOwner ?? 0
  store.deleteNode(path)
  store.removeChild(parent, name)
  if (owner !== 0) store.removeEphemeral(owner, path)
}

const BIG = 3000 // more than one OP_CHILD_SET chunk
const SESSIONS = 20

function seed(store: EmbeddedStore): void {
  store.transact(() => {
    store.putNode('/', znode(null))
    for (const p of ['/big', '/small', '/eph']) create(store, p, '')
    for (let i = 0; i < BIG; i++) create(store, `/big/c${i}`, `b${i}`)
    for (let i = 0; i < 10; i++) create(store, `/small/s${i}`, `s${i}`)
    for (let s = 1; s <= SESSIONS; s++) {
      store.putSession({ id: s, timeout: 30_000, passwd: `pw${s}` })
      for (let e = 0; e < 3; e++) create(store, `/eph/e${s}-${e}`, 'e', s)
    }
    store.setZxid(1)
  })
}

/** One random write, as one transaction. */
function mutate(store: EmbeddedStore, rand: () => number, step: number): void {
  store.transact(() => {
    const r = rand()
    const i = Math.floor(rand() * BIG)
    const big = `/big/c${i}`
    if (r < 0.25) {
      // delete, or create again (a path deleted and re-created moves to the end of the map)
      if (store.getNode(big) === undefined) create(store, big, `again${step}`)
      else remove(store, big)
    } else if (r < 0.45) {
      if (store.getNode(big) !== undefined) store.putNode(big, znode(Buffer.from(`set${step}`), { version: step }))
    } else if (r < 0.6) {
      // empty /small completely (its child set goes away), or fill it again
      const names = store.getChildren('/small')
      if (names.length > 0) for (const n of names) remove(store, `/small/${n}`)
      else for (let k = 0; k < 10; k++) create(store, `/small/s${k}-${step}`, 'x')
    } else if (r < 0.75) {
      // a session goes away with its ephemerals
      const ids = store.sessionIds()
      const id = ids[Math.floor(rand() * ids.length)]
      if (id !== undefined) {
        for (const p of store.getEphemerals(id)) remove(store, p)
        store.deleteSession(id)
      }
    } else if (r < 0.9) {
      const id = 1000 + step
      store.putSession({ id, timeout: 10_000, passwd: `new${step}` })
      create(store, `/eph/n${step}`, 'n', id)
    } else {
      create(store, `/big/extra${step}`, `x${step}`)
    }
    store.setZxid(store.getZxid() + 1)
  })
}

t.test('a snapshot serialised while writes go on, plus the log after it, reopens to the exact state', async (t) => {
  const dir = tempDir(t)
  const { logger, lines } = captureLogger()
  const store = await openStore(t, { dataDir: dir, fsync: false, logger, snapshotEveryRecords: 1_000_000, snapshotSliceEntries: 7 })
  seed(store)
  const rand = rng(43)
  let step = 0
  let done = false
  const snapshot = store.snapshot().finally(() => {
    done = true
  })
  // writes between the snapshot's slices, until it is written
  while (!done) {
    mutate(store, rand, step++)
    mutate(store, rand, step++)
    await new Promise((resolve) => setImmediate(resolve))
  }
  await snapshot
  for (let k = 0; k < 50; k++) mutate(store, rand, step++)
  await store.whenDurable(store.appliedSeq)

  const written = lines.find((l) => l.msg === 'snapshot written') as { seq: number; recordsDuring: number; slices: number } | undefined
  t.ok(written, 'the snapshot was written')
  t.ok((written?.recordsDuring ?? 0) > 100, `${written?.recordsDuring} records were applied while it was serialised, in ${written?.slices} slices`)

  const before = dump(store)
  await store.close()

  const reopened = captureLogger()
  const again = await openStore(t, { dataDir: dir, fsync: false, logger: reopened.logger })
  const opened = reopened.lines.find((l) => l.msg === 'embedded store opened') as { snapshotSeq: number; replayed: number } | undefined
  t.equal(opened?.snapshotSeq, written?.seq, 'reopened from that snapshot')
  t.ok((opened?.replayed ?? 0) >= (written?.recordsDuring ?? Infinity), `replayed ${opened?.replayed} records over it`)
  t.same(dump(again), before, 'the same znodes, child sets, sessions, ephemerals and counters')
})

interface SnapshotRun extends Run {
  signal: string | null
  stderr: string
  /** seq of the snapshot being written when the kill was sent */
  killedDuring: number
  /** snapshots the run finished: seq → records applied while it was serialised */
  finished: Map<number, number>
}

/**
 * Start crash-writer.ts with snapshots in slices of 8 entries, and kill -9 it
 * `delayMs` after the start of its second snapshot (the first is published by
 * then, so the crash lands on a store with a fuzzy snapshot and another in the
 * making).
 */
async function killDuringSnapshot(dir: string, tag: string, delayMs: number): Promise<SnapshotRun> {
  const writer = join(__dirname, 'fixtures', 'crash-writer.ts')
  const child = spawn(process.execPath, [...tsNodeArgs(), writer, dir, tag, '8'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const run: SnapshotRun = { tag, acked: new Set(), maxSeq: 0, signal: null, stderr: '', killedDuring: 0, finished: new Map() }
  let pending = ''
  let starts = 0
  let timer: NodeJS.Timeout | undefined
  // never hang the suite: a writer that does not get there is killed anyway, and the assertions say so
  const stuck = setTimeout(() => child.kill('SIGKILL'), 60_000)
  child.stderr.setEncoding('utf8').on('data', (s: string) => (run.stderr += s))
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() as string // a line cut by the kill is not an ack
    for (const line of lines) {
      const [kind, a, b] = line.split(' ')
      if (kind === 'ack') {
        run.acked.add(Number(b))
        run.maxSeq = Math.max(run.maxSeq, Number(a))
      } else if (kind === 'snap-done') {
        run.finished.set(Number(a), Number(b))
      } else if (kind === 'snap-start' && ++starts === 2) {
        run.killedDuring = Number(a)
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    }
  })
  run.signal = await new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
  clearTimeout(timer)
  clearTimeout(stuck)
  return run
}

t.test('kill -9 while a snapshot is being written under concurrent writes: recovery holds every acknowledged write', async (t) => {
  const dir = tempDir(t)
  const runs: Run[] = []
  let interrupted = 0
  let fuzzyLoads = 0
  const fuzzy = new Map<number, number>()
  for (let r = 0; r < 3; r++) {
    const delayMs = Math.floor(Math.random() * 20)
    const run = await killDuringSnapshot(dir, `f${r}`, delayMs)
    t.equal(run.signal, 'SIGKILL', `run ${r}: killed ${delayMs} ms into snapshot ${run.killedDuring}, ${run.acked.size} acks (stderr: ${run.stderr.trim() || 'none'})`)
    t.ok(run.killedDuring > 0, `run ${r}: the kill was aimed at a snapshot in progress`)
    if (!run.finished.has(run.killedDuring)) interrupted++
    for (const [seq, during] of run.finished) fuzzy.set(seq, during)
    runs.push(run)

    const { logger, lines } = captureLogger()
    const store = await EmbeddedStore.open({ dataDir: dir, logger })
    try {
      const opened = lines.find((l) => l.msg === 'embedded store opened') as { snapshotSeq: number } | undefined
      if ((fuzzy.get(opened?.snapshotSeq ?? 0) ?? 0) > 0) fuzzyLoads++
      const { missing, wrong, orphans, lastSeq } = checkRecovered(store, runs)
      t.equal(missing, 0, `run ${r}: every acknowledged write is there`)
      t.equal(wrong, 0, `run ${r}: acknowledged deletes stay deleted, data intact`)
      t.ok(store.appliedSeq >= lastSeq, `run ${r}: recovered through seq ${store.appliedSeq} (last ack ${lastSeq}) from snapshot ${opened?.snapshotSeq}`)
      t.equal(orphans, 0, `run ${r}: records are atomic`)
    } finally {
      await store.close()
    }
  }
  t.ok(interrupted > 0, `${interrupted} of 3 kills landed before the snapshot was published`)
  t.ok(fuzzyLoads > 0, `${fuzzyLoads} of 3 recoveries loaded a snapshot written while records were applied`)
})
