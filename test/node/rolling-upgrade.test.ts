// A rolling upgrade on one Redis: two nodes of different builds (two library
// versions) serve the same namespace at once. Each keeps its own library
// loaded (redkeeper_<version>, functions suffixed), so both stay ready and
// both serve the same data, a session made through one resumes through the
// other, and neither replaces the other's code.

import t from 'tap'
import { Redis } from 'ioredis'
import { Err, OpCode } from '../../src/engine/codes'
import { libraryVersion } from '../../src/stores/redis'
import { buildLibrary } from '../stores/redis/lib'
import { httpGet, nodeOn, startRedis } from './harness'
import { ApiClient, create, newSession } from './ws-client'

t.test('two builds on one Redis: both ready, same data, sessions move between them', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const current = buildLibrary()
  const v1 = libraryVersion(current)
  // "the next release": the same code under another version stamp, as a rebuild with changed sources would give
  const v2 = v1.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
  const next = current.replaceAll(v1, v2)
  const oldNode = await nodeOn(redis.url, { library: current })
  t.teardown(() => oldNode.close())
  const newNode = await nodeOn(redis.url, { library: next })
  t.teardown(() => newNode.close())
  t.equal(oldNode.libraryVersion, v1)
  t.equal(newNode.libraryVersion, v2)

  const raw = new Redis(redis.url)
  t.teardown(() => raw.quit())
  const names = (await raw.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'redkeeper_*') as unknown[][]).map((l) => l[1]).sort()
  t.same(names, [`redkeeper_${v1}`, `redkeeper_${v2}`].sort(), 'both libraries are loaded')
  for (const [name, n] of [['old', oldNode], ['new', newNode]] as const) {
    const r = await httpGet(n.httpPort, '/readyz')
    t.equal(r.status, 200, `the ${name} node is ready while the other build runs`)
  }

  // a write through the old build, read through the new one, and back
  const a = await newSession(oldNode.httpPort)
  t.teardown(() => a.c.close())
  t.equal((await a.c.reply(a.c.send(create('/upgrade', Buffer.from('v1'))))).err, Err.OK)
  const b = await newSession(newNode.httpPort)
  t.teardown(() => b.c.close())
  const got = await b.c.reply(b.c.send({ type: OpCode.getData, path: '/upgrade', watch: false }))
  t.equal(got.err, Err.OK)
  t.same((got.body as { data: Buffer }).data, Buffer.from('v1'), 'the new build reads what the old one wrote')
  t.equal((await b.c.reply(b.c.send({ type: OpCode.setData, path: '/upgrade', data: Buffer.from('v2'), dataLength: 2, version: -1 }))).err, Err.OK)

  // the old build's session moves to the new build (what a sidecar does when its node drains)
  a.c.drop()
  const moved = await ApiClient.open(newNode.httpPort)
  t.teardown(() => moved.close())
  moved.resume(a.s, a.c.lastSeq)
  const resumed = await moved.next()
  t.equal(resumed.kind, 'resumed', 'a session of the old build resumes on the new one')
  const read = await moved.reply(moved.send({ type: OpCode.getData, path: '/upgrade', watch: false }))
  t.same((read.body as { data: Buffer }).data, Buffer.from('v2'))

  for (const [name, n] of [['old', oldNode], ['new', newNode]] as const) {
    t.equal((await httpGet(n.httpPort, '/readyz')).status, 200, `the ${name} node is still ready`)
  }
  const after = (await raw.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'redkeeper_*') as unknown[][]).map((l) => l[1]).sort()
  t.same(after, names, 'each node pruned nothing at start: the other build is in use')
})
