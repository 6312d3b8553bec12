// `redkeeper sidecar` as a real process: help, usage errors (exit 2, one
// line), the ready line, env vars and flags, serving a client, SIGTERM.

import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { ZkClient } from '../../src/client'
import { Err } from '../../src/engine/codes'
import { BIN, ensureBuilt, pinoReady } from '../support/launch'
import { REPO_ROOT } from '../support/redkeeper'
import { create, within } from '../conformance/helpers'
import { FakeCluster, FakeNode } from './fake-node'
import { runCli, type CliRun } from '../support/cli'

t.setTimeout(120_000)

/** Runs the CLI to completion (only for invocations that exit by themselves). */
function cli (args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { env: { ...cleanEnv(), ...env } })
}

/** The environment without any REDKEEPER_* a developer may have set. */
function cleanEnv (): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('REDKEEPER_')) delete env[k]
  return env
}

async function usageError (t: Test, args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await cli(args, env)
  t.equal(r.code, 2, `exit code 2 for: ${args.join(' ')}`)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/, 'one line on stderr')
  t.match(r.stderr, pattern)
}

t.before(ensureBuilt)

t.test('help', async (t) => {
  const r = await cli(['sidecar', '--help'])
  t.equal(r.code, 0)
  t.match(r.stdout, /Usage: redkeeper sidecar --upstream/)
  for (const env of ['REDKEEPER_UPSTREAM', 'REDKEEPER_ZK_PORT', 'REDKEEPER_HOST', 'REDKEEPER_MAX_BUFFER', 'REDKEEPER_LOG_LEVEL']) t.match(r.stdout, env)
  const top = await cli(['--help'])
  t.match(top.stdout, /^ {2}sidecar\s+carry ZooKeeper client connections/m, 'listed in redkeeper --help')
})

t.test('usage errors: exit 2, one line', async (t) => {
  await usageError(t, ['sidecar'], /missing --upstream \(or REDKEEPER_UPSTREAM\)/)
  await usageError(t, ['sidecar', '--upstream', 'http://127.0.0.1:8080'], /--upstream: 'http:\/\/127\.0\.0\.1:8080' is not a ws:\/\/ or wss:\/\/ URL/)
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1,nonsense'], /--upstream: 'nonsense' is not a URL/)
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1?x=1'], /must not have a query/)
  await usageError(t, ['sidecar'], /REDKEEPER_UPSTREAM: 'ftp:\/\/x' is not a ws:\/\/ or wss:\/\/ URL/, { REDKEEPER_UPSTREAM: 'ftp://x' })
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1', '--zk-port', 'abc'], /--zk-port: 'abc' is not a port number/)
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1', '--zk-port', '70000'], /--zk-port: 70000 is out of range/)
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1'], /REDKEEPER_MAX_BUFFER: '0' is not a positive integer/, { REDKEEPER_MAX_BUFFER: '0' })
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1', '--log-level', 'loud'], /--log-level: 'loud' is not a log level/)
  await usageError(t, ['sidecar', '--upstream', 'ws://a:1', '--bogus'], /unknown flag --bogus/)
  await usageError(t, ['sidecar', '--upstream'], /flag --upstream needs a value/)
  await usageError(t, ['sidecar', 'extra'], /unexpected argument 'extra'/)
})

t.test('a port in use: exit 1, one line', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { blocker.close() })
  const addr = blocker.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  const r = await cli(['sidecar', '--upstream', 'ws://127.0.0.1:1', '--zk-port', String(port)])
  t.equal(r.code, 1)
  t.equal(r.stderr, `redkeeper: cannot listen on 127.0.0.1: port ${port} is already in use\n`)
})

t.test('serves from the environment, a flag beats it, SIGTERM exits 0', async (t) => {
  const cluster = new FakeCluster()
  const node = await new FakeNode(cluster).start()
  t.teardown(() => { node.kill(); cluster.close() })
  // The env names an upstream nobody listens on; the flag wins.
  const child = spawn(process.execPath, [BIN, 'sidecar', '--upstream', node.url], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), REDKEEPER_UPSTREAM: 'ws://127.0.0.1:1', REDKEEPER_ZK_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))

  const ready = await within((async () => {
    for (;;) {
      const r = pinoReady(stdout, 'zkPort')
      if (r !== null) return r
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })(), 'the ready line')
  const zkPort = ready.zkPort as number
  t.ok(zkPort > 0, 'REDKEEPER_ZK_PORT=0 picked a free port')
  t.same(ready.upstreams, [node.url], 'the flag beat REDKEEPER_UPSTREAM')

  const c = await ZkClient.connect(`127.0.0.1:${zkPort}`, { timeout: 4000 })
  t.equal((await create(c, '/via-cli')).err, Err.OK)
  c.destroy()

  child.kill('SIGTERM')
  t.equal(await within(exited, 'exit after SIGTERM'), 0)
  t.match(stdout, /"msg":"stopped"/)
  t.equal(stderr, '')
})
