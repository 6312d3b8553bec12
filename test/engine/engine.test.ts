import t from 'tap'
import { MemoryStorage } from './memory-storage'
import { execute, initTree, createSession, closeSession, OpCode, Err, EventType, CreateFlag, type ACL, type Context } from '../../src/engine'

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const bytes = (s: string) => Buffer.from(s)

function setup() {
  const store = new MemoryStorage()
  initTree(store, Buffer.alloc(0))
  createSession(store, 1000, 1, 30000, 'aa')
  createSession(store, 1000, 2, 30000, 'bb')
  const a: Context = { session: 1, now: 2000, auth: [] }
  const b: Context = { session: 2, now: 2000, auth: [] }
  const create = (ctx: Context, path: string, flags = 0, data: Buffer | null = bytes('x')) =>
    execute(store, ctx, { type: OpCode.create, path, data, dataLength: data ? data.length : 0, acl: OPEN, flags })
  return { store, a, b, create }
}

t.test('create, sequential names from the parent cversion, zxids', async (t) => {
  const { store, a, create } = setup()
  t.equal(store.getZxid(), 2, 'two createSession txns')
  t.same(create(a, '/x').body, { path: '/x' })
  t.equal(create(a, '/x').err, Err.NODEEXISTS)
  t.equal(store.getZxid(), 4, 'a failed write still consumes a zxid')
  t.equal(create(a, '/x/s-', CreateFlag.PERSISTENT_SEQUENTIAL).body?.path, '/x/s-0000000000')
  t.equal(create(a, '/x/s-', CreateFlag.PERSISTENT_SEQUENTIAL).body?.path, '/x/s-0000000001')
  t.equal(create(a, '/nope/y').err, Err.NONODE)
  t.equal(create(a, '/x/').err, Err.BADARGUMENTS)
  t.equal(create(a, '/a//b').err, Err.NONODE, 'parent "/a/" is looked up before full validation')
  t.equal(create(a, 'rel').err, Err.BADARGUMENTS)
  const x = store.getNode('/x')!
  t.equal(x.cversion, 2, 'stored cversion counts creations'); t.equal(x.numChildren, 2)
})

t.test('delete: versions, NOTEMPTY, special paths', async (t) => {
  const { store, a, create } = setup()
  create(a, '/d'); create(a, '/d/c')
  t.equal(execute(store, a, { type: OpCode.delete, path: '/d', version: -1 }).err, Err.NOTEMPTY)
  t.equal(execute(store, a, { type: OpCode.delete, path: '/d/c', version: 3 }).err, Err.BADVERSION)
  t.equal(execute(store, a, { type: OpCode.delete, path: '/d/c', version: 0 }).err, Err.OK)
  t.equal(execute(store, a, { type: OpCode.delete, path: '/zookeeper', version: -1 }).err, Err.BADARGUMENTS)
  t.equal(execute(store, a, { type: OpCode.delete, path: '/', version: -1 }).err, Err.BADARGUMENTS)
  t.equal(store.getNode('/d')!.numChildren, 0)
})

t.test('multi is all-or-nothing with ZooKeeper per-op codes', async (t) => {
  const { store, a } = setup()
  const z0 = store.getZxid()
  const out = execute(store, a, { type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: 0 },
    { type: OpCode.setData, path: '/m', data: bytes('v'), dataLength: 1, version: 0 },
    { type: OpCode.delete, path: '/missing', version: -1 },
    { type: OpCode.check, path: '/m', version: 0 },
  ] })
  t.same(out.body?.results?.map((r) => (r.type === OpCode.error ? r.err : 'ok')), [0, 0, Err.NONODE, Err.RUNTIMEINCONSISTENCY])
  t.equal(store.getNode('/m'), undefined, 'nothing applied')
  t.equal(out.zxid, z0 + 1)
  const ok = execute(store, a, { type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: 0 },
    { type: OpCode.setData, path: '/m', data: bytes('v'), dataLength: 1, version: 0 },
  ] })
  t.equal(ok.err, 0)
  const res = ok.body!.results!
  t.equal(res[1].type, OpCode.setData)
  t.equal(store.getNode('/m')!.version, 1)
  t.equal(store.getNode('/m')!.czxid, store.getNode('/m')!.mzxid, 'one zxid for the whole multi')
})

t.test('watches: one NodeDeleted per session, children changed on the parent', async (t) => {
  const { store, a, b, create } = setup()
  create(a, '/w')
  execute(store, b, { type: OpCode.getData, path: '/w', watch: true })
  execute(store, b, { type: OpCode.getChildren, path: '/w', watch: true })
  execute(store, b, { type: OpCode.getChildren, path: '/', watch: true })
  execute(store, b, { type: OpCode.exists, path: '/later', watch: true })
  const del = execute(store, a, { type: OpCode.delete, path: '/w', version: -1 })
  t.same(del.events, [
    { session: 2, type: EventType.NodeDeleted, path: '/w' },
    { session: 2, type: EventType.NodeChildrenChanged, path: '/' },
  ])
  t.same(create(a, '/later').events, [{ session: 2, type: EventType.NodeCreated, path: '/later' }])
})

t.test('ephemerals go with their session and fire watches', async (t) => {
  const { store, a, b, create } = setup()
  t.equal(create(a, '/e', CreateFlag.EPHEMERAL).err, 0)
  t.equal(create(a, '/e/child').err, Err.NOCHILDRENFOREPHEMERALS)
  execute(store, b, { type: OpCode.exists, path: '/e', watch: true })
  const out = closeSession(store, { session: 1, now: 3000, auth: [] })
  t.same(out.events, [{ session: 2, type: EventType.NodeDeleted, path: '/e' }])
  t.equal(store.getNode('/e'), undefined)
  t.equal(execute(store, a, { type: OpCode.exists, path: '/', watch: false }).err, Err.SESSIONEXPIRED)
})
