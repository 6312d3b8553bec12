import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { Err, OpCode } from '../../src/engine/codes'
import { BIN, ensureBuilt, httpGet } from '../support/launch'
import { freePort } from '../support/ports'
import { REPO_ROOT } from '../support/redkeeper'
import { startRedis } from '../support/redis'
import { sleep, track } from '../support/proc'
import { ApiClient, create, newSession } from './ws-client'
import { runCli, type CliRun } from '../support/cli'

// `redkeeper node` as the real process: usage errors (exit 2, one line),
// Redis unreachable at start (exit 1, one line), flags beating environment
// variables, the ready line, and SIGTERM (sockets closed, sessions kept,
// exit 0).

t.setTimeout(120_000)

/** Runs the CLI to completion (only for command lines that make it exit by itself). */
function cli (args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { env: { ...process.env, REDKEEPER_REDIS_URL: '', ...env } })
}

/** Exit 2 and exactly one line on stderr naming the problem, nothing on stdout. */
async function usageError (t: Test, args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await cli(args, env)
  t.equal(r.code, 2, `exit code 2 for: ${args.join(' ')} ${JSON.stringify(env)}`)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/, 'one line on stderr')
  t.match(r.stderr, pattern)
}

t.before(() => ensureBuilt())

t.test('help', async (t) => {
  const r = await cli(['node', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^Usage: redkeeper node --redis <url> \[options\]/)
  for (const env of ['REDKEEPER_REDIS_URL', 'REDKEEPER_HTTP_PORT', 'REDKEEPER_HOST', 'REDKEEPER_NAMESPACE', 'REDKEEPER_TICK_MS', 'REDKEEPER_MIN_SESSION_TIMEOUT', 'REDKEEPER_MAX_SESSION_TIMEOUT', 'REDKEEPER_LOG_LEVEL']) {
    t.match(r.stdout, env, `documents ${env}`)
  }
  const top = await cli(['--help'])
  t.match(top.stdout, /\n {2}node +run a stateless service node/, 'listed by redkeeper --help')
})

t.test('usage errors: exit 2, one line', async (t) => {
  await usageError(t, ['node'], /missing --redis <url> \(or REDKEEPER_REDIS_URL\)/)
  await usageError(t, ['node', '--redis', 'http://127.0.0.1:6379'], /--redis: 'http:\/\/127\.0\.0\.1:6379' is not a Redis URL/)
  await usageError(t, ['node'], /REDKEEPER_REDIS_URL: 'localhost:6379' is not a Redis URL/, { REDKEEPER_REDIS_URL: 'localhost:6379' })
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--http-port', '70000'], /--http-port: 70000 is out of range/)
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1'], /REDKEEPER_HTTP_PORT: 'eighty' is not a port/, { REDKEEPER_HTTP_PORT: 'eighty' })
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--namespace', 'a{b}'], /--namespace: 'a\{b\}' is not a namespace/)
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--tick-ms', '0'], /--tick-ms: '0' is not a positive integer/)
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--min-session-timeout', '9000', '--max-session-timeout', '4000'], /min session timeout \(9000 ms\) exceeds max session timeout \(4000 ms\)/)
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--log-level', 'loud'], /--log-level: 'loud' is not a log level/)
  await usageError(t, ['node', '--redis', 'redis://127.0.0.1:1', '--zk-port', '2181'], /unknown flag --zk-port/)
  await usageError(t, ['node', '--redis'], /flag --redis needs a value/)
})

t.test('Redis unreachable at start: exit 1, one line, credentials not shown', async (t) => {
  const port = await freePort()
  const r = await cli(['node', '--redis', `redis://user:hunter2@127.0.0.1:${port}`, '--http-port', '0'])
  t.equal(r.code, 1)
  t.equal(r.stdout, '')
  t.match(r.stderr, new RegExp(`^redkeeper: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: [^\\n]*ECONNREFUSED[^\\n]*\\n$`))
  t.notMatch(r.stderr, /hunter2/)
})

t.test('a Sentinel URL is accepted as configuration (it fails only because no Sentinel answers)', async (t) => {
  const port = await freePort()
  const r = await cli(['node', '--redis', `redis-sentinel://:hunter2@127.0.0.1:${port}/mymaster`, '--http-port', '0'])
  t.equal(r.code, 1, 'not a usage error: the URL itself is fine')
  t.match(r.stderr, /^redkeeper: cannot reach Redis at redis-sentinel:\/\/127\.0\.0\.1:\d+\/mymaster: [^\n]*\n$/)
  t.notMatch(r.stderr, /hunter2/)
  const bad = await cli(['node', '--redis', 'redis-sentinel://127.0.0.1:99999/m'])
  t.equal(bad.code, 2)
  t.equal(bad.stderr, 'redkeeper: --redis: bad sentinel port in "127.0.0.1:99999"\n')
})

/** A serving `redkeeper node`: its output, its exit, and the port from its ready line. */
interface Serving { port: number, out: () => string, exited: Promise<number | null>, kill: (sig: NodeJS.Signals) => void }

async function serve (t: Test, args: string[], env: Record<string, string>): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'node', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  track(child)
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })
  const deadline = Date.now() + 20_000
  for (;;) {
    const ready = out.split('\n').find((l) => l.includes('"msg":"ready"'))
    if (ready !== undefined) {
      const port = (JSON.parse(ready) as { httpPort: unknown }).httpPort
      if (typeof port !== 'number') throw new Error(`ready line without a numeric httpPort: ${ready}`)
      return { port, out: () => out, exited, kill: (sig) => child.kill(sig) }
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redkeeper node did not get ready:\n${out}`)
    await sleep(50)
  }
}

t.test('serving: env vars honoured, flags beat them, ready line, SIGTERM closes sockets and exits 0', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await serve(t, ['--http-port', '0', '--host', '127.0.0.1', '--tick-ms', '400'], {
    REDKEEPER_REDIS_URL: redis.url,
    REDKEEPER_TICK_MS: '9000',
    REDKEEPER_HTTP_PORT: '1',
    REDKEEPER_NAMESPACE: 'envns',
    REDKEEPER_MAX_SESSION_TIMEOUT: '6000',
    // conf is read below; ZooKeeper 3.8's default list has srvr alone
    REDKEEPER_4LW_WHITELIST: 'conf'
  })
  const conf = await httpGet(node.port, '/v1/fourletter/conf')
  t.match(conf?.body, /\ntickTime=400\n/, '--tick-ms beats REDKEEPER_TICK_MS')
  t.match(conf?.body, /\nminSessionTimeout=800\nmaxSessionTimeout=6000\n/, 'REDKEEPER_MAX_SESSION_TIMEOUT; the min from the tick')
  t.match(conf?.body, /\ndataDir=redis:\/\/127\.0\.0\.1:\d+ \{envns\}\n/, 'REDKEEPER_REDIS_URL and REDKEEPER_NAMESPACE')
  t.ok(node.port > 1, '--http-port 0 beats REDKEEPER_HTTP_PORT and picks a free port')

  const { c, s } = await newSession(node.port, 60_000)
  t.equal(s.timeout, 6000, 'timeouts clamped to the configured max')
  t.equal((await c.reply(c.send(create('/cli-eph', null, 1)))).err, Err.OK)

  node.kill('SIGTERM')
  t.equal(await node.exited, 0, 'SIGTERM: exit 0')
  await c.waitClosed()
  t.equal(c.closeCode, 1001, 'the WebSocket was closed as going away')
  t.notOk(c.log.some((m) => m.kind === 'close'), 'no CLOSE message: the sidecar resumes elsewhere')
  t.match(node.out(), /"msg":"stopped"/, 'shutdown ran to the end')

  // The session outlived the node: another node serves it.
  const other = await serve(t, ['--redis', redis.url, '--http-port', '0', '--host', '127.0.0.1', '--namespace', 'envns'], {})
  const r = await ApiClient.open(other.port)
  t.teardown(() => r.close())
  r.resume(s, 0)
  t.same(await r.next(), { kind: 'resumed', timeout: 6000 })
  const x = r.send({ type: OpCode.exists, path: '/cli-eph', watch: false })
  t.equal((await r.reply(x)).body?.stat?.ephemeralOwner, s.id, 'with its ephemeral')
  other.kill('SIGTERM')
  t.equal(await other.exited, 0)
})
