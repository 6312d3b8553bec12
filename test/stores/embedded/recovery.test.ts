import { spawn } from 'node:child_process'
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import t, { type Test } from 'tap'
import { EmbeddedStore, StoreOpenError } from '../../../src/stores/embedded'
import { logFiles, validEnd, write, writeDurably } from './fixtures/log-files'
import { captureLogger, dump, openStore, tempDir, tsNodeArgs } from './fixtures/helpers'

/** The newest segment that holds records (open creates an empty, perhaps preallocated, one after a non-empty last). */
function lastNonEmptySegment(dir: string): string {
  const files = logFiles(dir).filter((f) => validEnd(join(dir, f)) > 0)
  return join(dir, files[files.length - 1] as string)
}

/** Write bytes at the end of the records: over the preallocated zeros, or appended when there are none. */
function writeAtEnd(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  try {
    writeSync(fd, bytes, 0, bytes.length, validEnd(path))
  } finally {
    closeSync(fd)
  }
}

function flipByte(path: string, offset: number): void {
  const buf = readFileSync(path)
  buf[offset] = (buf[offset] as number) ^ 0xff
  writeFileSync(path, buf)
}

/** preallocBytes 0: the layout without preallocation (segments end at their last record, as with fsync off) */
const LAYOUTS: [string, number | undefined][] = [
  ['preallocated', undefined],
  ['not preallocated', 0],
]

async function prepared(t: Test, n = 20, preallocBytes?: number): Promise<{ dir: string; before: unknown }> {
  const dir = tempDir(t)
  const store = await EmbeddedStore.open({ dataDir: dir, ...(preallocBytes === undefined ? {} : { preallocBytes }) })
  write(store, 1, n)
  const before = dump(store)
  await store.close()
  return { dir, before }
}

const torn: [string, (path: string) => void][] = [
  ['a partial header', (p) => writeAtEnd(p, Buffer.from([7, 0, 0]))],
  ['a header whose payload never arrived', (p) => writeAtEnd(p, Buffer.from([100, 0, 0, 0, 1, 2, 3, 4, 9, 9]))],
  [
    'a complete last frame with a bad checksum',
    (p) => {
      const payload = Buffer.from('garbage-garbage')
      const head = Buffer.alloc(8)
      head.writeUInt32LE(payload.length, 0)
      head.writeUInt32LE((crc32(payload) + 1) >>> 0, 4)
      writeAtEnd(p, Buffer.concat([head, payload]))
    },
  ],
]

for (const [layout, preallocBytes] of LAYOUTS) {
  for (const [what, damage] of torn) {
    t.test(`torn tail (${layout}): ${what} is truncated away and logged`, async (t) => {
      const { dir, before } = await prepared(t, 20, preallocBytes)
      const seg = lastNonEmptySegment(dir)
      const end = validEnd(seg)
      damage(seg)
      const { logger, lines } = captureLogger()
      const store = await openStore(t, { dataDir: dir, logger })
      t.same(dump(store), before, 'every complete record is there')
      t.equal(store.appliedSeq, 20)
      t.equal(statSync(seg).size, end, 'the file is cut back to its last complete record')
      t.ok(
        lines.some((l) => l.level === 40 && String(l.msg).includes('truncated')),
        'a warning says so',
      )
      write(store, 21, 5)
      const after = dump(store)
      await store.close()
      const again = await openStore(t, { dataDir: dir })
      t.same(dump(again), after, 'and the log carries on cleanly')
    })
  }
}

t.test('a zero tail after the last record is the end of the segment: kept, not reported', async (t) => {
  const { dir, before } = await prepared(t, 20, 0)
  const seg = lastNonEmptySegment(dir)
  appendFileSync(seg, Buffer.alloc(4096))
  const size = statSync(seg).size
  const { logger, lines } = captureLogger()
  const store = await openStore(t, { dataDir: dir, logger })
  t.same(dump(store), before)
  t.equal(statSync(seg).size, size, 'nothing truncated')
  t.notOk(lines.some((l) => (l.level as number) >= 40), 'no warning')
})

for (const [layout, preallocBytes] of LAYOUTS) {
  t.test(`torn tail (${layout}): a record cut short loses only that (never acknowledged) record`, async (t) => {
    const { dir } = await prepared(t, 20, preallocBytes)
    const seg = lastNonEmptySegment(dir)
    const end = validEnd(seg)
    // the last 5 bytes of record 20 never reached the disk: no bytes at all,
    // or the preallocated zeros still there
    if (preallocBytes === 0) truncateSync(seg, end - 5)
    else {
      const fd = openSync(seg, 'r+')
      writeSync(fd, Buffer.alloc(5), 0, 5, end - 5)
      closeSync(fd)
    }
    const store = await openStore(t, { dataDir: dir })
    t.equal(store.appliedSeq, 19)
    t.equal(store.getNode('/k20'), undefined)
    t.same(store.getNode('/k19')?.data, Buffer.from('v19'))
    t.equal(store.getZxid(), 19)
  })
}

t.test('a damaged record in the middle of the log is refused, and the files are left alone', async (t) => {
  const { dir } = await prepared(t)
  const seg = lastNonEmptySegment(dir)
  flipByte(seg, 12) // inside the first record's payload
  const bytes = readFileSync(seg)
  const err = await EmbeddedStore.open({ dataDir: dir }).then(
    () => null,
    (e: unknown) => e,
  )
  t.type(err, StoreOpenError)
  const msg = (err as Error).message
  t.match(msg, /damaged at byte 0/, msg)
  t.match(msg, seg)
  t.notOk(msg.includes('\n'), 'one line')
  t.same(readFileSync(seg), bytes, 'nothing truncated or repaired')
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /damaged/ }, 'the same answer again: the lock was released')
})

t.test('a damaged record at the end of an older segment is refused too', async (t) => {
  const dir = tempDir(t)
  const a = await EmbeddedStore.open({ dataDir: dir, segmentBytes: 256 })
  await writeDurably(a, 1, 30)
  await a.close()
  const segs = logFiles(dir)
  t.ok(segs.length > 3, `${segs.length} segments`)
  const first = join(dir, segs[0] as string)
  flipByte(first, validEnd(first) - 1) // the last byte of its last record
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /damaged/ })
})

t.test('a missing segment (a gap in the records) is refused', async (t) => {
  const dir = tempDir(t)
  const a = await EmbeddedStore.open({ dataDir: dir, segmentBytes: 256 })
  await writeDurably(a, 1, 30)
  await a.close()
  const segs = logFiles(dir)
  unlinkSync(join(dir, segs[1] as string))
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /missing/ })
})

/** Two snapshots and compaction: the log no longer reaches back to record 1. */
async function twoSnapshots(t: Test): Promise<{ dir: string; before: unknown; snaps: string[] }> {
  const dir = tempDir(t)
  const a = await EmbeddedStore.open({ dataDir: dir })
  write(a, 1, 50)
  await a.snapshot()
  write(a, 51, 50)
  await a.snapshot()
  write(a, 101, 50)
  const before = dump(a)
  await a.close()
  const snaps = readdirSync(dir)
    .filter((f) => f.startsWith('snap.'))
    .sort()
  t.equal(snaps.length, 2)
  t.notOk(logFiles(dir).includes('log.0000000000000001'), 'compaction removed the first segment')
  return { dir, before, snaps }
}

t.test('an unreadable newest snapshot falls back to the older one plus the log', async (t) => {
  const { dir, before, snaps } = await twoSnapshots(t)
  const newest = join(dir, snaps[1] as string)
  flipByte(newest, statSync(newest).size >> 1)
  const { logger, lines } = captureLogger()
  const store = await openStore(t, { dataDir: dir, logger })
  t.same(dump(store), before, 'nothing lost')
  t.ok(lines.some((l) => l.level === 40 && String(l.msg).includes('snapshot unreadable')), 'logged')
  t.ok(readdirSync(dir).includes(`${snaps[1]}.corrupt`), 'the bad file is set aside, not deleted')
})

t.test('an unreadable snapshot with nothing to fall back on is refused', async (t) => {
  const { dir, snaps } = await twoSnapshots(t)
  for (const s of snaps) flipByte(join(dir, s), 20)
  const err = await EmbeddedStore.open({ dataDir: dir }).catch((e: unknown) => e)
  t.type(err, StoreOpenError)
  t.match((err as Error).message, /snapshot .* is unreadable .* no older snapshot or complete log/)
  t.same(readdirSync(dir).filter((f) => f.endsWith('.corrupt')), [], 'a refused open renames nothing')
})

t.test('a truncated snapshot (no trailer) with the full log still there is replaced by the log', async (t) => {
  const dir = tempDir(t)
  const a = await EmbeddedStore.open({ dataDir: dir })
  write(a, 1, 40)
  await a.snapshot()
  write(a, 41, 10)
  const before = dump(a)
  await a.close()
  const snap = readdirSync(dir).find((f) => f.startsWith('snap.')) as string
  truncateSync(join(dir, snap), statSync(join(dir, snap)).size - 30)
  const store = await openStore(t, { dataDir: dir })
  t.same(dump(store), before)
})

t.test('a snapshot file left half-written by a crash is removed', async (t) => {
  const { dir, before } = await prepared(t)
  writeFileSync(join(dir, 'snap.0000000000000020.tmp'), 'half')
  const store = await openStore(t, { dataDir: dir })
  t.same(dump(store), before)
  t.notOk(readdirSync(dir).some((f) => f.endsWith('.tmp')))
})

t.test('the lock: one store per directory; a dead owner’s lock is taken over', async (t) => {
  const dir = tempDir(t)
  const lock = join(dir, 'LOCK')
  const a = await openStore(t, { dataDir: dir })
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /already open in this process/ })
  t.match(readFileSync(lock, 'utf8'), new RegExp(`^${process.pid}\\b`), 'the lock names its owner')
  await a.close()
  t.notOk(readdirSync(dir).includes('LOCK'), 'released at close')

  writeFileSync(lock, '2147483646\n')
  let b = await openStore(t, { dataDir: dir })
  t.match(readFileSync(lock, 'utf8'), new RegExp(`^${process.pid}\\b`), 'a pid that no longer runs: stale, taken over')
  await b.close()

  // after a restart (a container's, say) the new process may get the dead
  // owner's pid, or an unrelated process may hold it now
  writeFileSync(lock, `${process.pid} 1\n`)
  b = await openStore(t, { dataDir: dir })
  t.pass('our own pid from a previous life: taken over')
  await b.close()
  writeFileSync(lock, '1 999999999999\n')
  b = await openStore(t, { dataDir: dir })
  t.pass('a live pid with another start time: reused pid, taken over')
  await b.close()

  const init = readFileSync('/proc/1/stat', 'utf8')
  writeFileSync(lock, `1 ${init.slice(init.lastIndexOf(')') + 2).split(' ')[19]}\n`)
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /in use by process 1 / }, 'a live owner (pid and start time match)')
})

t.test('the lock holds against another process, and a kill -9 leaves it takeable', async (t) => {
  const dir = tempDir(t)
  const child = spawn(process.execPath, [...tsNodeArgs(), join(__dirname, 'fixtures', 'crash-writer.ts'), dir, 'lock'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => void child.kill('SIGKILL'))
  // wait until it has acknowledged transaction 1 (the put of /lock-1)
  let out = ''
  await new Promise<void>((resolve) =>
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s
      if (/^ack \d+ 1$/m.test(out)) resolve()
    }),
  )
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: new RegExp(`in use by process ${child.pid} `) })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  child.kill('SIGKILL')
  await exited
  const store = await openStore(t, { dataDir: dir })
  t.ok(store.getNode('/lock-1'), 'the crashed writer’s acknowledged records are there')
})

t.test('an unusable data directory is a StoreOpenError with a one-line reason', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'plain-file')
  writeFileSync(file, 'x')
  await t.rejects(EmbeddedStore.open({ dataDir: join(file, 'data') }), {
    name: 'StoreOpenError',
    message: new RegExp(`cannot create data directory ${file}/data: ENOTDIR`),
  })
  await t.rejects(EmbeddedStore.open({ dataDir: file }), { name: 'StoreOpenError', message: /is not a directory/ })
  await t.rejects(EmbeddedStore.open({ dataDir: dir, segmentBytes: 0 }), { name: 'StoreOpenError', message: /segmentBytes/ })
  await t.rejects(EmbeddedStore.open({ dataDir: dir, snapshotEveryRecords: 1.5 }), { name: 'StoreOpenError', message: /snapshotEveryRecords/ })
})

t.test('a segment whose name disagrees with its first record is refused', async (t) => {
  const { dir } = await prepared(t)
  renameSync(join(dir, 'log.0000000000000001'), join(dir, 'log.0000000000000005'))
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /starts with record 1, its name says 5/ })
})
