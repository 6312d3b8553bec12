// `npm run bench`: issue 8's benchmark suite. Starts each system in turn
// (ZooKeeper 3.8, redkeeper embedded, the distributed topologies), drives it
// with the same ZooKeeper-protocol load from worker processes, then prints
// one table with the ratios against ZooKeeper and the targets check, and
// writes the JSON, docs/performance.md and docs/performance.svg.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performanceMarkdown, type RunResult } from './docs'
import { describeMachine, machineLines } from './machine'
import { parseOptions, USAGE, UsageError, zkWorkloads, type RunOptions } from './options'
import { WorkerPool } from './pool'
import { redisCeiling } from './redis-ceiling'
import { markdownTable, memoryTable, targetChecks } from './report'
import { renderChart } from './svg'
import { startSystem } from './systems'
import { SystemBench, type Failure, type MemoryFigure, type Row } from './workloads'

const REPO_ROOT = resolve(__dirname, '..')

function log (line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

async function main (): Promise<number> {
  let opts
  try {
    opts = parseOptions(process.argv.slice(2), REPO_ROOT)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    if (e.message !== '') process.stderr.write(`bench: ${e.message}\n`)
    process.stderr.write(`${USAGE}\n`)
    return e.message === '' ? 0 : 2
  }
  if (opts.from !== null) {
    // re-render the table, targets and docs of an earlier run, measuring nothing
    const saved = JSON.parse(readFileSync(opts.from, 'utf8')) as RunResult
    saved.targets = targetChecks(saved.rows)
    report(saved, opts.docs)
    return 0
  }
  const result = await measure(opts)
  const json = JSON.stringify(result, (_, v) => typeof v === 'number' && !Number.isFinite(v) ? null : v, 2) + '\n'
  mkdirSync(opts.out, { recursive: true })
  const stamp = result.startedAt.replace(/[:.]/g, '-')
  writeFileSync(join(opts.out, `${stamp}.json`), json)
  writeFileSync(join(opts.out, 'latest.json'), json)
  report(result, opts.docs)
  log(`done in ${Math.round(result.durationSeconds)} s; JSON in ${join(opts.out, 'latest.json')}${opts.docs === null ? '' : `, docs in ${opts.docs}`}`)
  const errors = result.rows.reduce((a, r) => a + r.errors, 0)
  if (errors > 0) {
    log(`${errors} errors: ${result.rows.filter((r) => r.errors > 0).map((r) => `${r.system} ${r.workload}: ${r.errorSamples.join('; ')}`).join(' | ')}`)
  }
  return (result.failures ?? []).length > 0 ? 1 : 0
}

async function measure (opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date()
  const machine = describeMachine(REPO_ROOT)
  for (const l of machineLines(machine)) log(l)

  const rows: Row[] = []
  const memory: MemoryFigure[] = []
  const failures: Failure[] = []
  const pool = WorkerPool.start(opts.workers)
  try {
    const workloads = zkWorkloads(opts.workloads)
    if (workloads.length > 0) {
      for (const name of opts.systems) {
        log(`starting ${name}`)
        let sys
        try {
          sys = await startSystem(name)
        } catch (e) {
          failures.push({ system: name, workload: 'start', error: (e as Error).message.split('\n')[0] })
          log(`${name} did not start: ${(e as Error).message}`)
          continue
        }
        try {
          const bench = new SystemBench(sys, pool, opts, log)
          try {
            await bench.run(workloads)
          } finally {
            rows.push(...bench.rows)
            failures.push(...bench.failures)
            if (bench.memory !== undefined) memory.push(bench.memory)
          }
        } finally {
          await sys.stop()
        }
      }
    }
    if (opts.workloads.includes('ceiling') && opts.systems.some((s) => s === 'node1' || s === 'lb3')) {
      log('Redis ceiling')
      rows.push(...await redisCeiling(pool, { seconds: opts.seconds, sessions: opts.sessions, inflight: opts.inflight, benchmarkRequests: opts.benchmarkRequests }, log))
    }
  } finally {
    await pool.stop()
  }
  return {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    options: opts,
    machine,
    rows,
    memory,
    failures,
    targets: targetChecks(rows)
  }
}

/** Prints the table and the targets; writes the chart and docs/performance.md when `docs` names a dir. */
function report (result: RunResult, docs: string | null): void {
  const o = result.options
  if (docs !== null) {
    mkdirSync(docs, { recursive: true })
    writeFileSync(join(docs, 'performance.svg'), renderChart({ title: `redkeeper vs ZooKeeper 3.8 — ${result.startedAt.slice(0, 10)}${o.quick ? ' (quick)' : ''}`, rows: result.rows }))
    writeFileSync(join(docs, 'performance.md'), performanceMarkdown(result))
  }
  console.log(`# ${o.sessions} sessions × ${o.inflight} in flight, ${o.seconds} s per phase, ${o.workers} load workers; ZooKeeper and embedded fsync every write, Redis AOF everysec`)
  console.log(markdownTable(result.rows))
  if (result.memory.length > 0) console.log(`\n${memoryTable(result.memory)}`)
  console.log('')
  for (const t of result.targets) console.log(t.line)
  for (const f of result.failures ?? []) console.log(`FAILED ${f.system} ${f.workload}: ${f.error}`)
}

main().then((code) => { process.exitCode = code }, (e: Error) => {
  process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`)
  process.exitCode = 1
})
