// Micro-measure of one group-commit round's durable write: open an embedded
// store (fsync on), write rounds of `--round` bytes of ~150-byte records, wait
// for each round to be durable, and report the store's 'synced' times (one
// O_DSYNC writev each). With --compare it alternates stores opened with
// preallocation off (preallocBytes 0) and on (the default), so both see the
// same machine.
//
// 'write' is the O_DSYNC writev alone; 'round' is from a round's first record
// to its durable callback (queueing, any wait for a zero-fill, the write).
//
//   npx tsx bench/log-sync.ts [--rounds 400] [--round 25000] [--compare] [--passes 3]

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { EmbeddedStore } from '../src/stores/embedded'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '400' },
    round: { type: 'string', default: '25000' },
    compare: { type: 'boolean', default: false },
    passes: { type: 'string', default: '3' },
  },
})
const rounds = Number(values.rounds)
const roundBytes = Number(values.round)
const RECORD_DATA = 100

function node(data: Buffer) {
  return {
    czxid: 1, mzxid: 1, ctime: 1, mtime: 1, version: 0, cversion: 0, aversion: 0,
    ephemeralOwner: 0, dataLength: data.length, numChildren: 0, pzxid: 1, data,
    acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
  }
}

/** one pass: the 'synced' times (the O_DSYNC write) and each round's time from its first record to durable */
async function measure(preallocBytes: number | undefined): Promise<{ synced: number[]; rounds: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'redkeeper-logsync-'))
  const store = await EmbeddedStore.open({ dataDir: dir, snapshotEveryRecords: 1e9, snapshotEveryBytes: 1e12, ...(preallocBytes === undefined ? {} : { preallocBytes }) })
  const times: number[] = []
  const roundTimes: number[] = []
  store.on('synced', (s: number) => times.push(s * 1000))
  const data = Buffer.alloc(RECORD_DATA, 7)
  let i = 0
  try {
    for (let r = 0; r < rounds; r++) {
      let bytes = 0
      let seq = 0
      const t0 = performance.now()
      while (bytes < roundBytes) {
        const k = i++
        seq = store.transact(() => {
          store.putNode(`/k${k % 5000}`, node(data))
          store.setZxid(k)
        }).seq
        bytes += 150
      }
      await store.whenDurable(seq)
      roundTimes.push(performance.now() - t0)
    }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { synced: times, rounds: roundTimes }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] as number
}

function line(label: string, xs: number[]): string {
  return `${label.padEnd(12)} rounds ${String(xs.length).padStart(5)}  p50 ${pct(xs, 50).toFixed(2)} ms  p90 ${pct(xs, 90).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms`
}

async function main(): Promise<void> {
  const variants: [string, number | undefined][] = values.compare === true ? [['prealloc off', 0], ['prealloc on', undefined]] : [['default', undefined]]
  const all = new Map<string, { synced: number[]; rounds: number[] }>()
  for (let p = 0; p < Number(values.passes); p++) {
    for (const [label, bytes] of variants) {
      const m = await measure(bytes)
      // the first rounds of a fresh file are not the steady state
      const acc = all.get(label) ?? { synced: [], rounds: [] }
      acc.synced.push(...m.synced.slice(10))
      acc.rounds.push(...m.rounds.slice(10))
      all.set(label, acc)
      process.stdout.write(`pass ${p + 1}: ${line(label, m.synced.slice(10))}\n`)
    }
  }
  for (const [label, m] of all) {
    process.stdout.write(`all, write:  ${line(label, m.synced)}\n`)
    process.stdout.write(`all, round:  ${line(label, m.rounds)}\n`)
  }
}

void main()
