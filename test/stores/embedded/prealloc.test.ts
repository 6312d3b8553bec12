// Preallocated log segments (log-writer.ts): the current segment is kept
// zero-filled ahead of its records, a busy store keeps a zero-filled spare for
// the next roll, and recovery reads the zeros as the clean end of a segment.

import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { EmbeddedStore } from '../../../src/stores/embedded'
import { segmentFile } from '../../../src/stores/embedded/files'
import { checkRecovered, type Run } from './fixtures/crash-check'
import { logFiles, validEnd, write, writeDurably } from './fixtures/log-files'
import { captureLogger, dump, openStore, tempDir, tsNodeArgs } from './fixtures/helpers'

function zerosFrom(path: string, offset: number): boolean {
  return readFileSync(path).subarray(offset).every((b) => b === 0)
}

/** Wait for a condition the store reaches in the background (generous: a loaded 2-core machine). */
async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('the current segment is zero-filled ahead of its records; log size counts records only', async (t) => {
  const dir = tempDir(t)
  const store = await openStore(t, { dataDir: dir, preallocBytes: 256 * 1024 })
  await writeDurably(store, 1, 20)
  const seg = join(dir, logFiles(dir)[0] as string)
  await until('the preallocation', () => statSync(seg).size >= 256 * 1024)
  const end = validEnd(seg)
  t.ok(end > 0, `${end} bytes of records`)
  t.ok(zerosFrom(seg, end), `then zeros to ${statSync(seg).size}`)
  t.equal(store.stats().logBytes, end, 'logBytes: bytes of records, not the file size')
  const before = dump(store)
  await store.close()
  const { logger, lines } = captureLogger()
  const again = await openStore(t, { dataDir: dir, logger })
  t.same(dump(again), before)
  t.equal(again.stats().logBytes, end)
  t.notOk(lines.some((l) => (l.level as number) >= 40), 'a clean reopen: no warning')
})

t.test('reopen twice in a row: the empty preallocated segment is reused, writes start at its beginning', async (t) => {
  const dir = tempDir(t)
  let store = await EmbeddedStore.open({ dataDir: dir })
  write(store, 1, 10)
  await store.close()
  store = await EmbeddedStore.open({ dataDir: dir })
  await store.close()
  const afterFirst = logFiles(dir)
  t.equal(afterFirst.length, 2, 'the first reopen started a fresh segment')
  const fresh = join(dir, afterFirst[1] as string)
  t.equal(afterFirst[1], segmentFile(11))
  store = await EmbeddedStore.open({ dataDir: dir })
  t.same(logFiles(dir), afterFirst, 'the second reopen reused it')
  write(store, 11, 10)
  const before = dump(store)
  await store.close()
  t.equal(statSync(fresh).size >= validEnd(fresh), true)
  t.ok(validEnd(fresh) > 0, 'records 11..20 went to the start of the reused segment')
  t.ok(zerosFrom(fresh, validEnd(fresh)), 'followed by zeros')
  const last = await openStore(t, { dataDir: dir })
  t.same(dump(last), before)
  t.equal(last.appliedSeq, 20)
})

t.test('a torn record in the middle of the preallocated area, with a later non-zero byte, is refused', async (t) => {
  const dir = tempDir(t)
  const store = await EmbeddedStore.open({ dataDir: dir })
  write(store, 1, 10)
  await store.close()
  const seg = join(dir, logFiles(dir)[0] as string)
  const end = validEnd(seg)
  t.ok(statSync(seg).size > end + 8192, 'preallocated')
  const fd = openSync(seg, 'r+')
  writeSync(fd, Buffer.from([50, 0, 0, 0, 1, 2, 3, 4, 9]), 0, 9, end) // torn: header and one byte
  writeSync(fd, Buffer.from([1]), 0, 1, end + 4096) // but something far past it is not a zero
  closeSync(fd)
  const bytes = readFileSync(seg)
  await t.rejects(EmbeddedStore.open({ dataDir: dir }), { name: 'StoreOpenError', message: /damaged at byte \d+/ })
  t.same(readFileSync(seg), bytes, 'nothing truncated')
})

t.test('a segment rolled while the next was pre-created: the spare is renamed into place and recovery reads it', async (t) => {
  const dir = tempDir(t)
  // small segments and preallocation, so the spare appears and rolls use it
  const store = await openStore(t, { dataDir: dir, segmentBytes: 16 * 1024, preallocBytes: 64 * 1024 })
  let n = 1
  await writeDurably(store, n, 200)
  n += 200
  await until('the spare segment', () => existsSync(join(dir, 'log.spare')))
  const segsBefore = logFiles(dir).length
  // keep writing until a roll has happened since the spare appeared
  while (logFiles(dir).length === segsBefore) {
    await writeDurably(store, n, 20)
    n += 20
  }
  const segs = logFiles(dir)
  t.ok(segs.length > segsBefore, `${segs.length} segments`)
  for (const f of segs.slice(0, -1)) {
    const p = join(dir, f)
    t.ok(zerosFrom(p, validEnd(p)), `${f}: records, then only zeros`)
  }
  const before = dump(store)
  await store.close()
  const again = await openStore(t, { dataDir: dir })
  t.same(dump(again), before, 'every record, across the rolled segments')
  t.notOk(existsSync(join(dir, 'log.spare')), 'a leftover spare is removed at open')
})

t.test('a crash right after a roll renamed the spare in: an all-zero last segment is reused', async (t) => {
  const dir = tempDir(t)
  let store = await EmbeddedStore.open({ dataDir: dir, preallocBytes: 0 })
  write(store, 1, 10)
  await store.close()
  store = await EmbeddedStore.open({ dataDir: dir, preallocBytes: 0 })
  await store.close()
  // what a roll leaves before its first write: log.<next seq>, all zeros
  const zeroSeg = join(dir, segmentFile(11))
  writeFileSync(zeroSeg, Buffer.alloc(64 * 1024))
  writeFileSync(join(dir, 'log.spare'), Buffer.alloc(1000)) // and a half-made spare
  store = await openStore(t, { dataDir: dir })
  t.equal(store.appliedSeq, 10)
  t.notOk(existsSync(join(dir, 'log.spare')))
  write(store, 11, 5)
  const before = dump(store)
  await store.close()
  t.ok(validEnd(zeroSeg) > 0 && zeroSeg.endsWith(logFiles(dir)[logFiles(dir).length - 1] as string), 'records went into it')
  const again = await openStore(t, { dataDir: dir })
  t.same(dump(again), before)
})

t.test('kill -9 with preallocated zeros after the last record: every acknowledged write is there', async (t) => {
  const dir = tempDir(t)
  const runs: Run[] = []
  for (let r = 0; r < 2; r++) {
    const tag = `p${r}`
    const child = spawn(process.execPath, [...tsNodeArgs(), join(__dirname, 'fixtures', 'crash-writer.ts'), dir, tag], { stdio: ['ignore', 'pipe', 'inherit'] })
    t.teardown(() => void child.kill('SIGKILL'))
    const run: Run = { tag, acked: new Set(), maxSeq: 0 }
    let pending = ''
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk
        const lines = pending.split('\n')
        pending = lines.pop() as string
        for (const line of lines) {
          const [kind, a, b] = line.split(' ')
          if (kind !== 'ack') continue
          run.acked.add(Number(b))
          run.maxSeq = Math.max(run.maxSeq, Number(a))
        }
        if (run.acked.size >= 300) resolve()
      })
    })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
    runs.push(run)
    // (zeros, or a record torn by the kill and then zeros; the newest segment
    // may have rolled in just before the kill, before its zeros)
    const withZeros = logFiles(dir).filter((f) => {
      const p = join(dir, f)
      const end = validEnd(p)
      return end > 0 && statSync(p).size > end
    })
    t.ok(withZeros.length > 0, `run ${r}: the crash left preallocated space after records (${withZeros.join(', ')})`, {
      files: logFiles(dir).map((f) => `${f} ${statSync(join(dir, f)).size} ${validEnd(join(dir, f))}`),
    })
    const store = await EmbeddedStore.open({ dataDir: dir })
    try {
      const { missing, wrong, orphans } = checkRecovered(store, runs)
      t.equal(missing, 0, `run ${r}: ${run.acked.size} acks, none missing`)
      t.equal(wrong, 0)
      t.equal(orphans, 0)
    } finally {
      await store.close()
    }
  }
})
