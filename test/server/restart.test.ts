import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Err, OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { startHarness } from './harness'

// Sessions live in the store, so they outlive a server restart, as on a
// standalone ZooKeeper; new session ids never collide with old ones.

t.setTimeout(60_000)

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

t.test('a session survives a graceful restart and new ids stay unique', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rk-restart-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

  const first = await startHarness({ dataDir })
  const a = await first.connect({ timeout: 20000 })
  const made = await a.request({ type: OpCode.create, path: '/mine', data: null, dataLength: 0, acl: OPEN, flags: 1 })
  t.equal(made.err, Err.OK)
  const before = await Promise.all([1, 2, 3].map(() => first.connect()))
  const oldIds = new Set([a.sessionId, ...before.map((c) => c.sessionId)])
  await first.stop()

  const second = await startHarness({ dataDir })
  t.teardown(() => second.stop())
  const resumed = await ZkClient.connect(second.address, { sessionId: a.sessionId, passwd: a.passwd, lastZxidSeen: made.zxid })
  t.teardown(() => resumed.destroy())
  t.equal(resumed.sessionId, a.sessionId, 'the session is resumed on the restarted server')
  const r = await resumed.request({ type: OpCode.exists, path: '/mine', watch: false })
  t.equal(r.body?.stat?.ephemeralOwner, a.sessionId, 'its ephemeral is still there')

  const after = await Promise.all([1, 2, 3, 4, 5].map(() => second.connect()))
  for (const c of after) t.notOk(oldIds.has(c.sessionId), `new id 0x${c.sessionId.toString(16)} was not handed out before the restart`)
  t.equal(new Set(after.map((c) => c.sessionId)).size, after.length)
})
