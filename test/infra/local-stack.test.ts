// infra/local-stack.sh: compose.yaml's topology (Redis primary + replica +
// 3 Sentinels, 3 nodes over a redis-sentinel:// URL, haproxy, sidecar) as
// processes. kazoo serves through the sidecar, the nodes really found Redis
// through the Sentinels and follow a Sentinel failover with a client session
// living through it, and SIGTERM stops every process.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { KAZOO_PYTHON } from '../acl/kazoo'
import { ensureBuilt, httpGet } from '../support/launch'
import { freePort } from '../support/ports'
import { REPO_ROOT } from '../support/redkeeper'
import { run } from './tools'
import { ZkClient } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import { sleep } from '../support/proc'

const KAZOO_SCRIPT = `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=10)
zk.start(timeout=15)
zk.ensure_path('/local-stack')
zk.create('/local-stack/a', b'one')
events = []
zk.get('/local-stack/a', watch=lambda e: events.append(e.type))
zk.set('/local-stack/a', b'two')
data, stat = zk.get('/local-stack/a')
zk.create('/local-stack/e', b'', ephemeral=True)
kids = sorted(zk.get_children('/local-stack'))
import time
for _ in range(50):
    if events: break
    time.sleep(0.1)
print('data=%s version=%d children=%s events=%s' % (data.decode(), stat.version, ','.join(kids), ','.join(events)))
zk.stop()
`

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(200)
  }
}

t.test('local-stack.sh: the compose topology as processes serves kazoo through the sidecar', async (t) => {
  await ensureBuilt()
  const ports: number[] = []
  for (let i = 0; i < 11; i++) ports.push(await freePort())
  const [zk, lb, stats, n1, n2, n3, r1, r2, s1, s2, s3] = ports
  const dir = mkdtempSync(join(tmpdir(), 'rk-local-stack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDKEEPER_'))),
    ZK_PORT: String(zk),
    LB_PORT: String(lb),
    LB_STATS_PORT: String(stats),
    RK_STACK_NODE_PORTS: `${n1} ${n2} ${n3}`,
    RK_STACK_REDIS_PORTS: `${r1} ${r2}`,
    RK_STACK_SENTINEL_PORTS: `${s1} ${s2} ${s3}`,
    RK_STACK_DIR: dir,
    RK_STACK_ENV_FILE: join(REPO_ROOT, 'infra', '.env.example'),
    // the .env knobs, overridden as with compose: a quick failover for the test
    SENTINEL_DOWN_AFTER_MS: '1000',
    SENTINEL_FAILOVER_TIMEOUT_MS: '5000'
  }
  const stack = spawn('bash', [join(REPO_ROOT, 'infra', 'local-stack.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  stack.stdout.on('data', (d: Buffer) => { out += d.toString() })
  stack.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>((resolve) => stack.on('exit', (code) => resolve(code)))
  t.teardown(() => { stack.kill('SIGKILL') })

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local-stack.sh not ready within 90 s:\n${out}`)), 90_000)
    const check = setInterval(() => {
      if (out.includes('local-stack: ready')) {
        clearInterval(check)
        clearTimeout(timer)
        resolve()
      }
    }, 100)
    void exited.then((code) => {
      clearInterval(check)
      clearTimeout(timer)
      reject(new Error(`local-stack.sh exited (${code}) before it was ready:\n${out}`))
    })
  })
  t.match(out, new RegExp(`local-stack: ready zk=127\\.0\\.0\\.1:${zk} lb=http://127\\.0\\.0\\.1:${lb}`))

  const k = await run(KAZOO_PYTHON, ['-c', KAZOO_SCRIPT, `127.0.0.1:${zk}`], { timeoutMs: 40_000 })
  t.equal(k.code, 0, k.out)
  t.match(k.out, 'data=two version=1 children=a,e events=CHANGED')

  // the nodes reached Redis through the Sentinels: their URL is the sentinel one, and the primary holds the data
  t.match(readFileSync(join(dir, 'node1.log'), 'utf8'), /"msg":"ready"/)
  const status = await httpGet(lb, '/v1/status')
  t.equal(status?.status, 200, 'REST through haproxy')
  const conf = await run('redis-cli', ['-p', String(s1), 'sentinel', 'get-master-addr-by-name', 'rkmaster'])
  t.same(conf.out.trim().split('\n'), ['127.0.0.1', String(r1)], 'the Sentinels name the primary')
  let replicaKeys = 0
  for (let i = 0; i < 50 && replicaKeys === 0; i++) {
    replicaKeys = Number((await run('redis-cli', ['-p', String(r2), 'dbsize'])).out.trim())
    if (replicaKeys === 0) await sleep(100)
  }
  t.ok(replicaKeys > 0, `the replica holds the data too (${replicaKeys} keys)`)
  const role = await run('redis-cli', ['-p', String(r2), 'role'])
  t.match(role.out, /^slave/, 'the replica replicates the primary')

  // A Redis failover: the primary dies, the Sentinels promote the replica,
  // the nodes follow (redis-sentinel:// URL) and a client session that lived
  // through it keeps working, with what was written before.
  const client = await ZkClient.connect(`127.0.0.1:${zk}`, { timeout: 30_000 })
  t.teardown(() => client.close().catch(() => {}))
  t.equal((await client.request({ type: OpCode.create, path: '/before-failover', data: Buffer.from('x'), dataLength: 1, acl: OPEN, flags: 0 })).err, 0)
  // Sentinel learns replicas and its peers from INFO and hello messages: wait for both, and for the replica to have everything
  await until('the Sentinels know the replica and each other', async () => {
    const replicas = await run('redis-cli', ['-p', String(s1), 'sentinel', 'replicas', 'rkmaster'])
    const peers = await run('redis-cli', ['-p', String(s1), 'sentinel', 'sentinels', 'rkmaster'])
    return replicas.out.includes(String(r2)) && (peers.out.match(/^name$/gm) ?? []).length === 2
  })
  t.equal((await run('redis-cli', ['-p', String(r1), 'wait', '1', '5000'])).out.trim(), '1', 'the replica has every write')
  await run('redis-cli', ['-p', String(r1), 'shutdown', 'nosave'])
  await until('the Sentinels promoted the replica', async () => {
    const m = await run('redis-cli', ['-p', String(s1), 'sentinel', 'get-master-addr-by-name', 'rkmaster'])
    return m.out.trim().split('\n')[1] === String(r2)
  })
  const after = await client.request({ type: OpCode.create, path: '/after-failover', data: Buffer.from('y'), dataLength: 1, acl: OPEN, flags: 0 })
  t.equal(after.err, 0, 'the session lived through the failover and writes again')
  t.equal((await client.request({ type: OpCode.getData, path: '/before-failover', watch: false })).err, 0, 'what was written before is there')
  t.equal((await client.request({ type: OpCode.getData, path: '/local-stack/a', watch: false })).err, 0)

  stack.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM stops the stack, exit 0')
  t.match(out, /local-stack: stopped/)
  for (const p of [zk, lb, n1, r2, s1]) {
    const up = await run('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${p}`])
    t.not(up.code, 0, `nothing listens on ${p} any more`)
  }
})
