// kill -9 at random moments while a child process writes with group commit,
// snapshots and segment rollover; after each crash the store must open and
// hold every record the child reported durable. Runs accumulate in one data
// directory, so later crashes also hit a recovered store.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { EmbeddedStore } from '../../../src/stores/embedded'
import { checkRecovered, type Run } from './fixtures/crash-check'
import { tempDir, tsNodeArgs } from './fixtures/helpers'

const RUNS = 6
const writer = join(__dirname, 'fixtures', 'crash-writer.ts')

/** Start the writer, kill -9 it `delayMs` after it opened the store; returns what it acknowledged. */
async function crashOnce(dir: string, tag: string, delayMs: number): Promise<Run & { signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [...tsNodeArgs(), writer, dir, tag], { stdio: ['ignore', 'pipe', 'pipe'] })
  const run: Run = { tag, acked: new Set(), maxSeq: 0 }
  let stderr = ''
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() as string // a line cut by the kill is not an ack
    for (const line of lines) {
      const [kind, a, b] = line.split(' ')
      if (kind === 'open') timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
      else if (kind === 'ack') {
        run.acked.add(Number(b))
        run.maxSeq = Math.max(run.maxSeq, Number(a))
      }
    }
  })
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
  clearTimeout(timer)
  return { ...run, signal, stderr }
}

t.test('kill -9 at random moments loses no acknowledged write', async (t) => {
  const dir = tempDir(t)
  const runs: Run[] = []
  let totalAcks = 0
  for (let r = 0; r < RUNS; r++) {
    const delayMs = 150 + Math.floor(Math.random() * 900)
    const run = await crashOnce(dir, `r${r}`, delayMs)
    t.equal(run.signal, 'SIGKILL', `run ${r}: killed after ${delayMs} ms, ${run.acked.size} acks (stderr: ${run.stderr.trim() || 'none'})`)
    runs.push(run)
    totalAcks += run.acked.size

    const store = await EmbeddedStore.open({ dataDir: dir })
    try {
      const { missing, wrong, orphans, lastSeq } = checkRecovered(store, runs)
      t.equal(missing, 0, `run ${r}: every acknowledged write is there`)
      t.equal(wrong, 0, `run ${r}: and acknowledged deletes stay deleted, data intact`)
      t.ok(store.appliedSeq >= lastSeq, `run ${r}: recovered through seq ${store.appliedSeq} (last ack ${lastSeq})`)
      t.equal(orphans, 0, `run ${r}: records are atomic (${store.getChildren('/').length} children, all present)`)
    } finally {
      await store.close()
    }
  }
  t.ok(totalAcks > 0, `${totalAcks} acknowledged transactions checked`)
})
