// `redkeeper watch` driven as a user would: the built bin/redkeeper.js as a
// child process against a real embedded server, writes made over REST while
// it runs, its lines (human and --json) and exit codes checked.

import { spawn } from 'node:child_process'
import t from 'tap'
import { BIN } from '../support/launch'
import { REPO_ROOT, startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { runCli } from '../support/cli'
import { ALICE, call, digestOf, restArgs } from '../http/rest-suite'

t.setTimeout(60_000)

let rk: RedkeeperHandle | undefined
t.before(async () => {
  rk = await startRedkeeper({ args: [...restArgs(), '--no-fsync'] })
})
t.teardown(() => rk?.destroy())

const base = (): string => `http://127.0.0.1:${(rk as RedkeeperHandle).httpPort}`
const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, REDKEEPER_SERVER: base() }
  delete e.REDKEEPER_TOKEN
  delete e.REDKEEPER_USER
  return e
}

interface Watching {
  /** resolves once the stream started (the stderr line) */
  ready: Promise<void>
  done: Promise<{ code: number | null, stdout: string, stderr: string }>
  signal: (sig: NodeJS.Signals) => void
  /** stdout so far */
  out: () => string
}

/** `redkeeper watch <args>` in the background. */
function watch (args: string[]): Watching {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let started: () => void = () => {}
  const ready = new Promise<void>((resolve) => { started = resolve })
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (stderr.includes('watching ')) started()
  })
  const done = new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redkeeper watch did not exit within 20 s\nstderr: ${stderr}`))
    }, 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      started()
      resolve({ code, stdout, stderr })
    })
  })
  return { ready, done, signal: (sig) => child.kill(sig), out: () => stdout }
}

async function write (method: string, path: string, data?: string): Promise<void> {
  const r = await call(base(), method, `/v1/znodes${path}`, { headers: ALICE, body: data === undefined ? (method === 'POST' ? {} : undefined) : { data } })
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
}

t.test('--count with --json: one JSON object per event, then exit 0', async (t) => {
  const w = watch(['/cj', '--json', '--count', '4', '--data'])
  await w.ready
  await write('POST', '/cj', 'one')
  await write('PUT', '/cj', 'two')
  await write('POST', '/cj/k')
  await write('DELETE', '/cj/k')
  await write('PUT', '/cj', 'after the count')
  const r = await w.done
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /^watching \/cj and below \(session 0x[0-9a-f]+\)\n$/)
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
  t.same(lines.map((l) => `${String(l.type)} ${String(l.path)}`), ['created /cj', 'dataChanged /cj', 'created /cj/k', 'deleted /cj/k'], 'exactly --count events')
  t.match(lines[1], { data: 'two', encoding: 'text', stat: { version: 1 } }, '--data: the data and stat read after the event')
})

t.test('human lines; --no-recursive; Ctrl-C exits 0', async (t) => {
  const w = watch(['/hu', '--no-recursive'])
  await w.ready
  await write('POST', '/hu', 'x')
  await write('POST', '/hu/deep')
  await write('POST', '/hu/deep/er')
  await write('PUT', '/hu', 'y')
  // the last write's line is the sign that everything before it arrived
  const deadline = Date.now() + 10_000
  while (!w.out().includes('dataChanged /hu') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  w.signal('SIGINT')
  const r = await w.done
  t.equal(r.code, 0, 'SIGINT is the normal way out')
  t.equal(r.stdout, 'created /hu\nchildrenChanged /hu\ndataChanged /hu\n', 'not recursive: /hu/deep/er is not an event for /hu')
})

t.test('--timeout-ms: exit 0 without --count, exit 1 (TIMEOUT) when the count was not reached', async (t) => {
  const plain = await runCli(['watch', '/', '--timeout-ms', '300'], { env: env() })
  t.equal(plain.code, 0)
  t.equal(plain.stdout, '')
  const short = await runCli(['watch', '/nothing-here', '--count', '2', '--timeout-ms', '300'], { env: env() })
  t.equal(short.code, 1)
  t.match(short.stderr, /^watching .*\nTIMEOUT: 0 of 2 events within 300 ms\n$/)
})

t.test('refusals and usage: exit 1, 2, 3', async (t) => {
  const aliceOnly = [{ scheme: 'digest', id: digestOf('alice', 'apw'), perms: 'cdrwa' }]
  const made = await call(base(), 'POST', '/v1/znodes/private', { headers: ALICE, body: { data: 's', acl: aliceOnly } })
  t.equal(made.status, 201, JSON.stringify(made.body))
  // --timeout-ms everywhere: a stream that wrongly started still ends the process
  const noauth = await runCli(['watch', '/private', '--timeout-ms', '5000'], { env: env() })
  t.same([noauth.code, noauth.stderr], [1, 'NOAUTH: /private\n'])
  const asAlice = await runCli(['watch', '/private', '--user', 'alice:apw', '--timeout-ms', '200'], { env: env() })
  t.equal(asAlice.code, 0, 'its owner may watch it')
  const usage = await Promise.all([['watch', 'relative'], ['watch'], ['watch', '/', '--count', '0'], ['watch', '/', '--bogus']].map(async (a) => await runCli([...a, '--timeout-ms', '5000'], { env: env() })))
  t.same(usage.map((u) => u.code), [2, 2, 2, 2], 'usage errors')
  const wrong = await runCli(['watch', '/', '--token', 'wrong', '--timeout-ms', '5000'], { env: env() })
  t.same([wrong.code, wrong.stderr], [3, 'redkeeper: AUTHFAILED: bearer token refused\n'])
})
