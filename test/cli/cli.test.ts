import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Err, OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { fourLetterWord } from '../support/fourlw'
import { REPO_ROOT, startRedkeeper } from '../support/redkeeper'
import { runCli, type CliRun } from '../support/cli'
import { BIN } from '../support/launch'

// The shipped command, run as a real process: help, version, usage errors,
// data-dir errors, environment variables, graceful shutdown and restart.

t.setTimeout(120_000)

/** Runs the CLI to completion (it must exit by itself: only for commands that do not serve). */
function cli (args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { env: { ...process.env, ...env } })
}

const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rk-cli-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** Exit 2 and exactly one line on stderr naming the problem, nothing on stdout. */
async function usageError (t: Test, args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await cli(args, env)
  t.equal(r.code, 2, `exit code 2 for: ${args.join(' ')}`)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/, 'one line on stderr')
  t.match(r.stderr, pattern)
}

// --- serving: first, because startRedkeeper also builds dist/ if it is missing ---

t.test('env vars are honoured, flags beat them, SIGTERM exits 0 and the data survives', async (t) => {
  const rk = await startRedkeeper({
    env: { REDKEEPER_TICK_MS: '500', REDKEEPER_MAX_SESSION_TIMEOUT: '7000', REDKEEPER_MIN_SESSION_TIMEOUT: '1500' },
    // the flag beats the env var
    args: ['--min-session-timeout', '1200']
  })
  t.teardown(() => rk.destroy())
  const conf = await fourLetterWord(rk.host, rk.port, 'conf')
  t.match(conf, /\ntickTime=500\n/, 'REDKEEPER_TICK_MS')
  t.match(conf, /\nmaxSessionTimeout=7000\n/, 'REDKEEPER_MAX_SESSION_TIMEOUT')
  t.match(conf, /\nminSessionTimeout=1200\n/, '--min-session-timeout beats REDKEEPER_MIN_SESSION_TIMEOUT')
  const c = await ZkClient.connect(rk.address, { timeout: 60000 })
  t.equal(c.negotiatedTimeout, 7000, 'timeouts are clamped to the configured max')
  t.equal((await c.request({ type: OpCode.create, path: '/survives', data: Buffer.from('yes'), dataLength: 3, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).err, Err.OK)
  c.destroy()

  await rk.stop()
  // the "stopped" line is logged only once shutdown ran to the end
  t.match(readFileSync(rk.logFile, 'utf8'), /"msg":"stopped"/, 'graceful shutdown ran to the end')

  const again = await rk.restart()
  t.teardown(() => again.destroy())
  const d = await ZkClient.connect(again.address)
  t.teardown(() => d.destroy())
  const got = await d.request({ type: OpCode.getData, path: '/survives', watch: false })
  t.equal(got.err, Err.OK)
  t.equal(got.body?.data?.toString(), 'yes')
})

t.test('SIGTERM exit status is 0', async (t) => {
  const dir = tmp()
  const child = spawn(process.execPath, [BIN, 'start', '--zk-port', '0', '--http-port', '0', '--data-dir', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('"msg":"ready"')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)))
  })
  const ready = out.split('\n').map((l) => { try { return JSON.parse(l) as Record<string, unknown> } catch { return {} } }).find((r) => r.msg === 'ready')
  t.type(ready?.zkPort, 'number')
  t.type(ready?.httpPort, 'number')
  t.equal(out.split('\n').filter((l) => l.includes('"msg":"ready"')).length, 1, 'exactly one ready line')
  const code = await new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit')
    child.on('exit', (c) => resolve(c))
    child.kill('SIGTERM')
  })
  t.equal(code, 0)
})

// --- help and version ---

t.test('--help lists the commands', async (t) => {
  const r = await cli(['--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /Usage: redkeeper <command>/)
  t.match(r.stdout, /\n {2}start\s/)
})

t.test('start --help documents every flag and its environment variable', async (t) => {
  const r = await cli(['start', '--help'])
  t.equal(r.code, 0)
  for (const [flag, env] of [
    ['--zk-port', 'REDKEEPER_ZK_PORT'], ['--http-port', 'REDKEEPER_HTTP_PORT'], ['--host', 'REDKEEPER_HOST'],
    ['--data-dir', 'REDKEEPER_DATA_DIR'], ['--tick-ms', 'REDKEEPER_TICK_MS'], ['--max-buffer', 'REDKEEPER_MAX_BUFFER'],
    ['--min-session-timeout', 'REDKEEPER_MIN_SESSION_TIMEOUT'], ['--max-session-timeout', 'REDKEEPER_MAX_SESSION_TIMEOUT'],
    ['--log-level', 'REDKEEPER_LOG_LEVEL'], ['--no-fsync', 'REDKEEPER_FSYNC']
  ]) {
    t.match(r.stdout, flag)
    t.match(r.stdout, env)
  }
})

t.test('--version', async (t) => {
  const r = await cli(['--version'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^redkeeper \d+\.\d+\.\d+/)
})

// --- usage errors: exit 2, one line ---

t.test('bad command lines exit 2 with one line', async (t) => {
  await usageError(t, [], /missing command/)
  await usageError(t, ['frobnicate'], /unknown command 'frobnicate'/)
  await usageError(t, ['start', '--bogus'], /unknown flag --bogus/)
  await usageError(t, ['start', '--zk-port', 'abc'], /--zk-port: 'abc' is not a port number/)
  await usageError(t, ['start', '--zk-port', '70000'], /--zk-port: 70000 is out of range/)
  await usageError(t, ['start', '--http-port', '-1'], /http-port/)
  await usageError(t, ['start', '--tick-ms', '0'], /--tick-ms: '0' is not a positive integer/)
  await usageError(t, ['start', '--tick-ms'], /--tick-ms needs a value/)
  await usageError(t, ['start', '--log-level', 'loud'], /--log-level: 'loud' is not a log level/)
  await usageError(t, ['start', 'extra'], /unexpected argument 'extra'/)
  await usageError(t, ['start', '--min-session-timeout', '9000', '--max-session-timeout', '3000'], /exceeds max session timeout/)
})

t.test('bad environment values exit 2 with one line naming the variable', async (t) => {
  await usageError(t, ['start'], /REDKEEPER_ZK_PORT: 'x' is not a port number/, { REDKEEPER_ZK_PORT: 'x' })
  await usageError(t, ['start'], /REDKEEPER_TICK_MS: '-5' is not a positive integer/, { REDKEEPER_TICK_MS: '-5' })
  await usageError(t, ['start'], /REDKEEPER_FSYNC: 'maybe' is not a boolean/, { REDKEEPER_FSYNC: 'maybe' })
})

// --- unusable data dir: exit 1, one line ---

t.test('an unusable data dir exits 1 with one line', async (t) => {
  const file = join(tmp(), 'not-a-dir')
  writeFileSync(file, 'x')
  const r = await cli(['start', '--zk-port', '0', '--http-port', '0', '--data-dir', file, '--log-level', 'silent'])
  t.equal(r.code, 1)
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/, 'one line on stderr')
  t.match(r.stderr, /not-a-dir/)
})

t.test('a port in use exits 1 with one line', async (t) => {
  const rk = await startRedkeeper()
  t.teardown(() => rk.destroy())
  const r = await cli(['start', '--zk-port', String(rk.port), '--http-port', '0', '--data-dir', tmp(), '--log-level', 'silent'])
  t.equal(r.code, 1)
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/)
  t.match(r.stderr, /already in use/)
})
