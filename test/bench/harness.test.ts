import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../support/redkeeper'
import { ensureBuilt } from '../support/launch'

// `npm run bench` in its smallest form, as a real process against a real
// embedded redkeeper: it must finish, print the table, and write JSON, SVG
// and Markdown of the expected shape with every phase having done work and
// no request failing. No timing is asserted: speed is what the bench
// reports, not what a test checks.

t.setTimeout(120_000)

interface Run { code: number | null, stdout: string, stderr: string }

function bench (args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'run.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

t.test('bench --quick on embedded, W1 and W5', async (t) => {
  await ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'rk-bench-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const r = await bench(['--quick', '--systems', 'embedded', '--workloads', 'W1,W5', '--seconds', '1', '--out', dir, '--docs', dir])
  t.equal(r.code, 0, r.stderr.slice(-2000))

  const files = readdirSync(dir).sort()
  t.ok(files.includes('latest.json') && files.includes('performance.svg') && files.includes('performance.md'), files.join(' '))
  t.ok(files.some((f) => /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/.test(f)), 'a timestamped JSON next to latest.json')

  const res = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'))
  t.match(res, {
    startedAt: String,
    durationSeconds: Number,
    options: { systems: ['embedded'], workloads: ['W1', 'W5'], seconds: 1, quick: true },
    machine: { nproc: Number, cpuModel: String, kernel: String, node: String, java: String, redis: String },
    memory: [],
    targets: Array
  })
  const keys = res.rows.map((row: { key: string }) => row.key)
  t.same(keys, ['W5', ...['100', '1024'].flatMap((size) => ['create', 'get', 'set', 'exists', 'delete'].map((k) => `W1.${k}.${size}`))])
  for (const row of res.rows) {
    t.equal(row.system, 'embedded')
    t.ok(row.ops > 0, `${row.workload}: ${row.ops} ops`)
    t.equal(row.errors, 0, `${row.workload}: ${row.errorSamples.join('; ')}`)
    for (const f of ['opsPerSec', 'p50Ms', 'p99Ms', 'cpuSeconds', 'cpuPer1kOps']) t.type(row[f], 'number', `${row.workload} ${f}`)
    t.ok(row.p50Ms <= row.p99Ms, `${row.workload}: p50 ≤ p99`)
  }
  // without ZooKeeper in the run the targets cannot be judged, and it says so
  t.match(res.targets, [{ ok: false, line: /no ZooKeeper rows/ }])

  t.match(r.stdout, /\| system \| workload \| ops\/s \| p50 ms \| p99 ms \| CPU s\/1k ops \| ratio vs ZooKeeper \| CPU efficiency vs ZooKeeper \| errors \|/)
  t.match(r.stdout, /\| embedded \| W1 create 100 B \| \d+ \|/)
  t.match(readFileSync(join(dir, 'performance.svg'), 'utf8'), /^<svg [^>]*>[\s\S]*<\/svg>\n$/)
  t.match(readFileSync(join(dir, 'performance.md'), 'utf8'), /## Machine[\s\S]*## How to reproduce/)

  // --from re-renders the saved run: the same table, measuring nothing
  const again = mkdtempSync(join(tmpdir(), 'rk-bench-'))
  t.teardown(() => rmSync(again, { recursive: true, force: true }))
  const re = await bench(['--from', join(dir, 'latest.json'), '--docs', again])
  t.equal(re.code, 0, re.stderr)
  t.equal(re.stdout, r.stdout)
  t.equal(readFileSync(join(again, 'performance.svg'), 'utf8'), readFileSync(join(dir, 'performance.svg'), 'utf8'))
})

t.test('bad options: exit 2 and a one-line reason', async (t) => {
  for (const [args, pattern] of [
    [['--systems', 'etcd'], /unknown system "etcd"/],
    [['--workloads', 'W9'], /unknown workload "W9"/],
    [['--seconds', '0'], /--seconds must be a positive number, got "0"/],
    [['--bogus'], /Unknown option '--bogus'/]
  ] as const) {
    const r = await bench([...args])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, pattern)
    t.equal(r.stdout, '')
  }
})
