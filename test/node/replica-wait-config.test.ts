// --redis-wait-replicas / --redis-wait-timeout-ms: bad values are refused
// with one clear line (flags, environment, config file, the node's own
// checks), before any Redis connection. The behaviour itself:
// test/distributed/replica-wait.test.ts.

import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseNodeArgs } from '../../src/cli/node'
import { resolveNodeConfig, type NodeConfig } from '../../src/node/config'
import { runCli } from '../support/cli'
import { removeAtExit } from '../support/proc'

t.test('configuration errors are clear, one line each', async (t) => {
  const env = { PATH: process.env.PATH ?? '' }
  const base = ['node', '--redis', 'redis://127.0.0.1:1']
  // parsing (flags, environment): in process
  const parse = (args: string[], e: NodeJS.ProcessEnv = env): unknown => parseNodeArgs([...base.slice(1), ...args], e)
  t.throws(() => parse(['--redis-wait-replicas', 'two']), { name: 'UsageError', message: "--redis-wait-replicas: 'two' is not a non-negative integer" })
  t.throws(() => parse(['--redis-wait-replicas', '1', '--redis-wait-timeout-ms', '0']), { name: 'UsageError', message: "--redis-wait-timeout-ms: '0' is not a positive integer" })
  t.throws(() => parse([], { ...env, REDKEEPER_REDIS_WAIT_REPLICAS: '-1' }), { name: 'UsageError', message: "REDKEEPER_REDIS_WAIT_REPLICAS: '-1' is not a non-negative integer" })
  // the node's own checks (src/node/config.ts)
  const logger = pino({ level: 'silent' })
  const resolved = (c: Partial<NodeConfig>): unknown => resolveNodeConfig({ redisUrl: 'redis://127.0.0.1:1', logger, ...c })
  t.throws(() => resolved({ redisWaitTimeoutMs: 500 }), { message: /redisWaitTimeoutMs \(--redis-wait-timeout-ms\) is set but redisWaitReplicas \(--redis-wait-replicas\) is 0/ })
  t.throws(() => resolved({ redisWaitReplicas: 1.5 }), { message: /must be a non-negative integer, got 1.5/ })
  t.same((resolved({ redisWaitReplicas: 2 }) as { replicaWait: unknown }).replicaWait, { replicas: 2, timeoutMs: 1000 }, 'default timeout 1000 ms')
  t.same((resolved({ redisWaitReplicas: 1, tickMs: 500 }) as { replicaWait: unknown }).replicaWait, { replicas: 1, timeoutMs: 500 }, 'default timeout capped at half the min session timeout')
  t.equal((resolved({}) as { replicaWait: unknown }).replicaWait, undefined, 'off by default')

  // the command line: exit 2 and one line, before any Redis connection
  const r = await runCli([...base, '--redis-wait-replicas', '1', '--redis-wait-timeout-ms', '2001'], { env })
  t.equal(r.code, 2, 'timeout beyond half the min session timeout: exit 2')
  t.match(r.stderr, /is 2001 ms but must be at most half the min session timeout \(2000 ms of 4000 ms\)/)
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
  const dir = mkdtempSync(join(tmpdir(), 'rk-wait-cfg-'))
  removeAtExit(dir)
  const cfg = join(dir, 'node.cfg')
  writeFileSync(cfg, 'redis=redis://127.0.0.1:1\nredis-wait-replicas=many\n')
  const f = await runCli(['node', '--config', cfg], { env })
  t.equal(f.code, 2, 'config file: exit 2')
  t.match(f.stderr, `${cfg}:2: redis-wait-replicas: 'many' is not a non-negative integer`, 'config file: the key and its line')
})
