// The embedded store's container/TTL index (classify()'s sets) is memory
// only: it must come back from the snapshot and the log exactly, so that a
// restarted server sweeps what it would have swept; and the sweep itself is
// logged like any delete.
import t from 'tap'
import { CreateFlag, NodeClass, OpCode, createSession, execute, initTree, sweep, type Context, type Request } from '../../../src/engine'
import type { EmbeddedStore } from '../../../src/stores/embedded'
import { OPEN_ACL, openStore, tempDir } from './fixtures/helpers'

const NOW = 1_700_000_000_000

function run (store: EmbeddedStore, ctx: Context, req: Request): number {
  return store.transact(() => execute(store, ctx, req, { extendedTypes: true })).result.err
}

function index (store: EmbeddedStore): [string[], string[], string[]] {
  return [[...store.indexed(NodeClass.Container)].sort(), [...store.indexed(NodeClass.TTL)].sort(), [...store.indexed(NodeClass.UnusedContainer)].sort()]
}

t.test('containers and TTL nodes are indexed on apply, snapshot and replay', async (t) => {
  const dir = tempDir(t)
  const a = await openStore(t, { dataDir: dir })
  a.transact(() => initTree(a, Buffer.alloc(0)))
  a.transact(() => createSession(a, NOW, 7, 30_000, 'ab'.repeat(16)))
  const ctx: Context = { session: 7, now: NOW, auth: [] }
  const mk = (type: OpCode.create | OpCode.createContainer, path: string, flags: number) =>
    run(a, ctx, { type, path, data: null, dataLength: 0, acl: OPEN_ACL, flags })
  const ttl = (path: string, ms: number) =>
    run(a, ctx, { type: OpCode.createTTL, path, data: null, dataLength: 0, acl: OPEN_ACL, flags: CreateFlag.PERSISTENT_WITH_TTL, ttl: ms })
  t.equal(mk(OpCode.createContainer, '/c1', CreateFlag.CONTAINER), 0)
  t.equal(mk(OpCode.createContainer, '/c2', CreateFlag.CONTAINER), 0)
  t.equal(mk(OpCode.create, '/c2/k', 0), 0)
  t.equal(ttl('/t1', 1000), 0)
  t.equal(ttl('/t2', 0xffffffffff), 0)
  t.equal(mk(OpCode.create, '/plain', 0), 0)
  t.equal(run(a, ctx, { type: OpCode.delete, path: '/c1', version: -1 }), 0)
  t.same(index(a), [[], ['/t1', '/t2'], []], 'containers with children are not candidates, so not indexed')
  await a.snapshot()
  // after the snapshot: more records to replay
  t.equal(mk(OpCode.createContainer, '/c3', CreateFlag.CONTAINER), 0)
  t.equal(run(a, ctx, { type: OpCode.delete, path: '/t2', version: -1 }), 0)
  t.equal(run(a, ctx, { type: OpCode.delete, path: '/c2/k', version: -1 }), 0)
  const out = a.transact(() => sweep(a, NOW + 5000, { limit: 10, extendedTypes: true })).result
  t.same(out.deleted, ['/c2', '/t1'], 'the emptied container and the expired TTL node')
  const before = index(a)
  t.same(before, [[], [], ['/c3']], 'a container that never had a child is kept apart')
  const zxid = a.getZxid()
  await a.close()

  const b = await openStore(t, { dataDir: dir })
  t.same(index(b), before, 'the same index after snapshot + log replay')
  t.equal(b.getZxid(), zxid, 'the sweep deletions were logged')
  t.equal(b.getNode('/c2'), undefined)
  t.equal(b.getNode('/t1'), undefined)
  t.equal(b.getNode('/plain')?.ephemeralOwner, 0)
})
