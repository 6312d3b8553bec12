// The Redis URL is configuration, Sentinel included: a real redis-server and
// a real Sentinel (redis-server --sentinel) monitoring it, and the engine
// reaching the master through the Sentinel URL.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { OpCode, Err } from '../../../src/engine'
import { RedisEngine, RedisUrlError, sentinelOptions } from '../../../src/stores/redis'
import { redactRedisUrl } from '../../../src/node/config'
import { freePort } from '../../support/ports'
import { startRedis } from './redis-server'

t.test('sentinel URLs are read into ioredis options, and bad ones refused clearly', async (t) => {
  t.equal(sentinelOptions('redis://127.0.0.1:6379'), undefined, 'other URLs are left to ioredis')
  t.same(sentinelOptions('redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2/mymaster/2?sentinelPassword=x'), {
    sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
    name: 'mymaster',
    password: 's3cret',
    db: 2,
    sentinelPassword: 'x'
  })
  t.same(sentinelOptions('redis-sentinel://[::1]:5000/m')?.sentinels, [{ host: '::1', port: 5000 }])
  t.throws(() => sentinelOptions('redis-sentinel://10.0.0.1:26379'), RedisUrlError, 'a master name is required')
  t.throws(() => sentinelOptions('redis-sentinel://10.0.0.1:99999/m'), RedisUrlError)
  t.equal(redactRedisUrl('redis-sentinel://:s3cret@h:1/m'), 'redis-sentinel://h:1/m', 'the password never reaches a log line')
})

t.test('the engine reaches the master through a real Sentinel', async (t) => {
  const master = await startRedis()
  t.teardown(() => master.stop())
  const dir = mkdtempSync(join(tmpdir(), 'rk-sentinel-'))
  const port = await freePort()
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor rkmaster 127.0.0.1 ${master.port} 1\n`)
  const sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } })
  t.teardown(() => { sentinel.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })

  let engine: RedisEngine | undefined
  for (let i = 0; i < 50 && engine === undefined; i++) {
    try {
      engine = await RedisEngine.connect(`redis-sentinel://127.0.0.1:${port}/rkmaster`, { namespace: 'sent', redis: { connectTimeout: 1000, maxRetriesPerRequest: 1 } })
    } catch {
      await sleep(200) // the sentinel is still starting
    }
  }
  if (engine === undefined) throw new Error('could not connect through the sentinel')
  t.teardown(() => engine!.close())
  await engine.init()
  const { id } = await engine.createSession(30000, '00'.repeat(16), Date.now(), 'conn-1')
  const ctx = { session: id, now: Date.now(), auth: [] }
  const r = await engine.exec(ctx, { type: OpCode.create, path: '/via-sentinel', data: Buffer.from('x'), dataLength: 1, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 }, 1, 0, 0)
  t.equal(r.outcome.err, Err.OK, 'a write through the Sentinel-discovered master')
  t.ok(await engine.getNode('/via-sentinel'), 'and it is there')
})
