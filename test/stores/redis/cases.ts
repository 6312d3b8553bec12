// One table of engine cases, run unchanged against every EngineTarget: the
// assertions of test/engine/engine.test.ts (made async so a remote store can
// answer them) plus what only a second runtime can get wrong: byte data,
// null vs empty data, and ids and zxids near 2^52 and 2^63.
import type { Test } from 'tap'
import { CreateFlag, Err, EventType, OpCode, type ACL, type Context, type Data, type Outcome } from '../../../src/engine'
import type { EngineTarget } from './targets'

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const bytes = (s: string) => Buffer.from(s)

export interface Fixture {
  target: EngineTarget
  a: Context
  b: Context
  create(ctx: Context, path: string, flags?: number, data?: Data): Promise<Outcome>
}

/** Two sessions, 1 and 2, as in engine.test.ts (ids may be overridden to test big ids). */
export async function fixture(target: EngineTarget, ids: [number, number] = [1, 2]): Promise<Fixture> {
  await target.createSession(ids[0], 30000, 'aa', 1000)
  await target.createSession(ids[1], 30000, 'bb', 1000)
  const a: Context = { session: ids[0], now: 2000, auth: [] }
  const b: Context = { session: ids[1], now: 2000, auth: [] }
  const create = (ctx: Context, path: string, flags = 0, data: Data = bytes('x')) =>
    target.execute(ctx, { type: OpCode.create, path, data, dataLength: data ? data.length : 0, acl: OPEN, flags })
  return { target, a, b, create }
}

export type Case = [name: string, body: (t: Test, f: Fixture) => Promise<void>]

export const cases: Case[] = [
  ['create, sequential names from the parent cversion, zxids', async (t, { target, a, create }) => {
    t.equal(await target.getZxid(), 2, 'two createSession txns')
    t.same((await create(a, '/x')).body, { path: '/x' })
    t.equal((await create(a, '/x')).err, Err.NODEEXISTS)
    t.equal(await target.getZxid(), 4, 'a failed write still consumes a zxid')
    t.equal((await create(a, '/x/s-', CreateFlag.PERSISTENT_SEQUENTIAL)).body?.path, '/x/s-0000000000')
    t.equal((await create(a, '/x/s-', CreateFlag.PERSISTENT_SEQUENTIAL)).body?.path, '/x/s-0000000001')
    t.equal((await create(a, '/nope/y')).err, Err.NONODE)
    t.equal((await create(a, '/x/')).err, Err.BADARGUMENTS)
    t.equal((await create(a, '/a//b')).err, Err.NONODE, 'parent "/a/" is looked up before full validation')
    t.equal((await create(a, 'rel')).err, Err.BADARGUMENTS)
    const x = (await target.getNode('/x'))!
    t.equal(x.cversion, 2)
    t.equal(x.numChildren, 2)
  }],

  ['create2 returns the stat; getData, exists, setData with versions', async (t, { target, a }) => {
    const c = await target.execute(a, { type: OpCode.create2, path: '/d', data: bytes('one'), dataLength: 3, acl: OPEN, flags: 0 })
    t.equal(c.err, Err.OK)
    t.same(c.body?.stat, { czxid: 3, mzxid: 3, ctime: 2000, mtime: 2000, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 3, numChildren: 0, pzxid: 3 })
    const g = await target.execute(a, { type: OpCode.getData, path: '/d', watch: false })
    t.same(g.body?.data, bytes('one'))
    t.same(g.body?.stat, c.body?.stat)
    t.equal(g.zxid, 3, 'a read reports the last zxid')
    const e = await target.execute(a, { type: OpCode.exists, path: '/d', watch: false })
    t.same(e.body, { stat: c.body?.stat })
    t.equal((await target.execute(a, { type: OpCode.exists, path: '/none', watch: false })).err, Err.NONODE)
    t.equal((await target.execute(a, { type: OpCode.getData, path: '/none', watch: false })).err, Err.NONODE)
    t.equal((await target.execute(a, { type: OpCode.setData, path: '/d', data: bytes('two'), dataLength: 3, version: 5 })).err, Err.BADVERSION)
    const s = await target.execute({ ...a, now: 2500 }, { type: OpCode.setData, path: '/d', data: bytes('two!'), dataLength: 4, version: 0 })
    t.equal(s.err, Err.OK)
    t.same(s.body?.stat, { czxid: 3, mzxid: 5, ctime: 2000, mtime: 2500, version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 4, numChildren: 0, pzxid: 3 })
    t.same((await target.execute(a, { type: OpCode.getData, path: '/d', watch: false })).body?.data, bytes('two!'))
    t.equal((await target.execute(a, { type: OpCode.setData, path: '/none', data: null, dataLength: 0, version: -1 })).err, Err.NONODE)
  }],

  ['getChildren and getChildren2', async (t, { target, a, create }) => {
    await create(a, '/p')
    for (const n of ['c', 'a', 'b']) await create(a, `/p/${n}`)
    const g = await target.execute(a, { type: OpCode.getChildren, path: '/p', watch: false })
    t.same([...g.body!.children!].sort(), ['a', 'b', 'c'])
    t.equal(g.body?.stat, undefined, 'getChildren has no stat')
    const g2 = await target.execute(a, { type: OpCode.getChildren2, path: '/p', watch: false })
    t.equal(g2.body?.stat?.numChildren, 3)
    t.equal(g2.body?.stat?.cversion, 3)
    const leaf = await target.execute(a, { type: OpCode.getChildren, path: '/p/a', watch: false })
    t.same(leaf.body, { children: [] }, 'a leaf has an empty child list')
    const root = await target.execute(a, { type: OpCode.getChildren, path: '/', watch: false })
    t.same([...root.body!.children!].sort(), ['p', 'zookeeper'])
    t.equal((await target.execute(a, { type: OpCode.getChildren, path: '/none', watch: false })).err, Err.NONODE)
  }],

  ['delete: versions, NOTEMPTY, special paths', async (t, { target, a, create }) => {
    await create(a, '/d'); await create(a, '/d/c')
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/d', version: -1 })).err, Err.NOTEMPTY)
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/d/c', version: 3 })).err, Err.BADVERSION)
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/d/c', version: 0 })).err, Err.OK)
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/zookeeper', version: -1 })).err, Err.BADARGUMENTS)
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/', version: -1 })).err, Err.BADARGUMENTS)
    t.equal((await target.getNode('/d'))!.numChildren, 0)
    t.equal(await target.getNode('/d/c'), undefined)
    t.equal((await target.execute(a, { type: OpCode.delete, path: '/d/c', version: -1 })).err, Err.NONODE)
  }],

  ['multi is all-or-nothing with ZooKeeper per-op codes', async (t, { target, a }) => {
    const z0 = await target.getZxid()
    const out = await target.execute(a, { type: OpCode.multi, ops: [
      { type: OpCode.create, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.setData, path: '/m', data: bytes('v'), dataLength: 1, version: 0 },
      { type: OpCode.delete, path: '/missing', version: -1 },
      { type: OpCode.check, path: '/m', version: 0 },
    ] })
    t.same(out.body?.results?.map((r) => (r.type === OpCode.error ? r.err : 'ok')), [0, 0, Err.NONODE, Err.RUNTIMEINCONSISTENCY])
    t.equal(await target.getNode('/m'), undefined, 'nothing applied')
    t.equal(out.zxid, z0 + 1)
    t.equal((await target.getNode('/'))!.cversion, 0, 'parent untouched')
    const ok = await target.execute(a, { type: OpCode.multi, ops: [
      { type: OpCode.create, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.setData, path: '/m', data: bytes('v'), dataLength: 1, version: 0 },
    ] })
    t.equal(ok.err, 0)
    const res = ok.body!.results!
    t.same(res[0], { type: OpCode.create, path: '/m' })
    t.equal(res[1].type, OpCode.setData)
    t.equal((await target.getNode('/m'))!.version, 1)
    t.equal((await target.getNode('/m'))!.czxid, (await target.getNode('/m'))!.mzxid, 'one zxid for the whole multi')
  }],

  ['multi: delete and re-create one path; a parent keeps its data and ACL', async (t, { target, a, create }) => {
    await create(a, '/re', 0, bytes('old'))
    await create(a, '/re/kid')
    const out = await target.execute(a, { type: OpCode.multi, ops: [
      { type: OpCode.delete, path: '/re/kid', version: -1 },
      { type: OpCode.delete, path: '/re', version: -1 },
      { type: OpCode.create, path: '/re', data: null, dataLength: 0, acl: [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }], flags: 0 },
    ] })
    t.equal(out.err, Err.OK)
    const n = (await target.getNode('/re'))!
    t.equal(n.czxid, out.zxid)
    t.equal(n.data, null)
    t.equal(n.version, 0)
    t.equal(n.numChildren, 0)
    t.same(n.acl, [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }])
    t.equal((await target.execute(a, { type: OpCode.getChildren, path: '/re', watch: false })).body?.children?.length, 0)
    const parentData = Buffer.alloc(4096, 7)
    await create(a, '/parent', 0, parentData)
    await create(a, '/parent/c1')
    await target.execute(a, { type: OpCode.delete, path: '/parent/c1', version: -1 })
    const p = (await target.getNode('/parent'))!
    t.same(p.data, parentData)
    t.same(p.acl, OPEN)
    t.equal(p.cversion, 1, 'a delete does not bump cversion (DataTree 3.8)')
  }],

  ['multiRead: per-op errors, null data stays null', async (t, { target, a, create }) => {
    await create(a, '/r', 0, null)
    const out = await target.execute(a, { type: OpCode.multiRead, ops: [
      { type: OpCode.getData, path: '/r', watch: false },
      { type: OpCode.getData, path: '/none', watch: false },
      { type: OpCode.getChildren, path: '/r', watch: false },
    ] })
    const r = out.body!.results!
    t.equal(r[0].type, OpCode.getData)
    t.equal((r[0] as { data: Data }).data, null)
    t.same(r[1], { type: OpCode.error, err: Err.NONODE })
    t.same(r[2], { type: OpCode.getChildren, children: [] })
  }],

  ['watches: one NodeDeleted per session, children changed on the parent', async (t, { target, a, b, create }) => {
    await create(a, '/w')
    await target.execute(b, { type: OpCode.getData, path: '/w', watch: true })
    await target.execute(b, { type: OpCode.getChildren, path: '/w', watch: true })
    await target.execute(b, { type: OpCode.getChildren, path: '/', watch: true })
    await target.execute(b, { type: OpCode.exists, path: '/later', watch: true })
    const del = await target.execute(a, { type: OpCode.delete, path: '/w', version: -1 })
    t.same(del.events, [
      { session: b.session, type: EventType.NodeDeleted, path: '/w' },
      { session: b.session, type: EventType.NodeChildrenChanged, path: '/' },
    ])
    t.same((await create(a, '/later')).events, [{ session: b.session, type: EventType.NodeCreated, path: '/later' }])
    t.same((await create(a, '/later2')).events, [], 'watches are one-shot')
  }],

  ['watches of a closed session are dropped', async (t, { target, a, b, create }) => {
    await create(a, '/dw')
    await target.execute(b, { type: OpCode.getData, path: '/dw', watch: true })
    await target.execute(a, { type: OpCode.getData, path: '/dw', watch: true })
    await target.closeSession(b)
    const s = await target.execute(a, { type: OpCode.setData, path: '/dw', data: null, dataLength: 0, version: -1 })
    t.same(s.events, [{ session: a.session, type: EventType.NodeDataChanged, path: '/dw' }])
  }],

  ['ephemerals go with their session and fire watches', async (t, { target, a, b, create }) => {
    t.equal((await create(a, '/e', CreateFlag.EPHEMERAL)).err, 0)
    t.equal((await create(a, '/e/child')).err, Err.NOCHILDRENFOREPHEMERALS)
    t.equal((await target.getNode('/e'))!.ephemeralOwner, a.session)
    t.equal((await create(a, '/f', CreateFlag.EPHEMERAL_SEQUENTIAL)).body?.path, '/f0000000001')
    const eph = await target.execute(a, { type: OpCode.getEphemerals, prefixPath: '/' })
    t.same([...eph.body!.paths!].sort(), ['/e', '/f0000000001'])
    await target.execute(b, { type: OpCode.exists, path: '/e', watch: true })
    await target.execute(b, { type: OpCode.exists, path: '/f0000000001', watch: true })
    const out = await target.closeSession({ session: a.session, now: 3000, auth: [] })
    t.same(out.events, [
      { session: b.session, type: EventType.NodeDeleted, path: '/e' },
      { session: b.session, type: EventType.NodeDeleted, path: '/f0000000001' },
    ], 'in sorted path order')
    t.equal(await target.getNode('/e'), undefined)
    t.equal((await target.getNode('/'))!.numChildren, 1, 'only /zookeeper left')
    t.equal((await target.execute(a, { type: OpCode.exists, path: '/', watch: false })).err, Err.SESSIONEXPIRED)
    t.equal(await target.checkSession(a.session, 'aa'), false)
    t.equal(await target.checkSession(b.session, 'bb'), true)
    t.equal(await target.checkSession(b.session, 'xx'), false, 'wrong password')
  }],

  ['sessions expire at their deadline; a request pushes it out', async (t, { target, a, b, create }) => {
    await create(a, '/ea', CreateFlag.EPHEMERAL)
    // timeouts are 30000 ms; a was last seen at 2000 (the create), b at 20000
    await target.execute({ ...b, now: 20000 }, { type: OpCode.exists, path: '/', watch: false })
    t.same((await target.expire(31999)).expired, [])
    const out = await target.expire(32000)
    t.same(out.expired, [a.session])
    t.equal(await target.getNode('/ea'), undefined)
    t.same((await target.expire(50000)).expired, [b.session])
    t.same((await target.expire(60000)).expired, [])
  }],

  ['null data and empty data stay distinct', async (t, { target, a, create }) => {
    await create(a, '/null', 0, null)
    await create(a, '/empty', 0, Buffer.alloc(0))
    t.equal((await target.execute(a, { type: OpCode.getData, path: '/null', watch: false })).body?.data, null)
    t.same((await target.execute(a, { type: OpCode.getData, path: '/empty', watch: false })).body?.data, Buffer.alloc(0))
    t.equal((await target.getNode('/null'))!.data, null)
    t.same((await target.getNode('/empty'))!.data, Buffer.alloc(0))
    await target.execute(a, { type: OpCode.setData, path: '/empty', data: null, dataLength: 0, version: -1 })
    await target.execute(a, { type: OpCode.setData, path: '/null', data: Buffer.alloc(0), dataLength: 0, version: -1 })
    t.equal((await target.execute(a, { type: OpCode.getData, path: '/empty', watch: false })).body?.data, null, 'empty -> null')
    t.same((await target.execute(a, { type: OpCode.getData, path: '/null', watch: false })).body?.data, Buffer.alloc(0), 'null -> empty')
  }],

  ['data is binary-safe: every byte value, NULs, invalid UTF-8, 1 MiB', async (t, { target, a, create }) => {
    const all = Buffer.alloc(256)
    for (let i = 0; i < 256; i++) all[i] = i
    await create(a, '/bin', 0, all)
    t.same((await target.execute(a, { type: OpCode.getData, path: '/bin', watch: false })).body?.data, all)
    const big = Buffer.alloc(1024 * 1024, 0xff)
    big[0] = 0; big[big.length - 1] = 0xc3
    t.equal((await target.execute(a, { type: OpCode.setData, path: '/bin', data: big, dataLength: big.length, version: 0 })).err, Err.OK)
    const g = await target.execute(a, { type: OpCode.getData, path: '/bin', watch: false })
    t.ok(Buffer.from(g.body!.data!).equals(big), '1 MiB round-trips')
    t.equal(g.body?.stat?.dataLength, big.length)
  }],

  ['non-ASCII paths round-trip', async (t, { target, a, create }) => {
    t.equal((await create(a, '/zażółć-日本')).body?.path, '/zażółć-日本')
    const g = await target.execute(a, { type: OpCode.getChildren, path: '/', watch: false })
    t.ok(g.body!.children!.includes('zażółć-日本'))
    t.equal((await create(a, '/bad\u0000nul')).err, Err.BADARGUMENTS, 'NUL rejected by prepareRequest')
    t.equal((await create(a, '/bad\ud800')).err, Err.BADARGUMENTS, 'lone surrogate rejected before it reaches the store')
  }],

  ['ACLs: getACL, setACL, NOAUTH, digest ids', async (t, { target, a, b }) => {
    const acl: ACL[] = [{ perms: 31, id: { scheme: 'digest', id: 'u:hash' } }, { perms: 1, id: { scheme: 'world', id: 'anyone' } }]
    t.equal((await target.execute(a, { type: OpCode.create, path: '/acl', data: null, dataLength: 0, acl, flags: 0 })).err, Err.OK)
    const owner: Context = { ...a, auth: [{ scheme: 'digest', id: 'u:hash' }] }
    t.same((await target.execute(owner, { type: OpCode.getACL, path: '/acl' })).body?.acl, acl)
    t.same((await target.execute(b, { type: OpCode.getACL, path: '/acl' })).body?.acl?.[0].id, { scheme: 'digest', id: 'u:x' }, 'masked without ADMIN')
    t.equal((await target.execute(b, { type: OpCode.setData, path: '/acl', data: null, dataLength: 0, version: -1 })).err, Err.NOAUTH)
    t.equal((await target.execute(owner, { type: OpCode.setData, path: '/acl', data: null, dataLength: 0, version: -1 })).err, Err.OK)
    const s = await target.execute(owner, { type: OpCode.setACL, path: '/acl', acl: OPEN, version: 0 })
    t.equal(s.err, Err.OK)
    t.equal(s.body?.stat?.aversion, 1)
    t.equal((await target.execute(b, { type: OpCode.setData, path: '/acl', data: null, dataLength: 0, version: -1 })).err, Err.OK)
    t.equal((await target.execute(a, { type: OpCode.create, path: '/bad', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'ip', id: '1.2.3.4/99' } }], flags: 0 })).err, Err.INVALIDACL)
  }],

  ['zxids near 2^52 round-trip exactly', async (t, { target, a, create }) => {
    const z = 2 ** 52 - 3
    await target.setZxid(z)
    const c = await target.execute(a, { type: OpCode.create2, path: '/big', data: null, dataLength: 0, acl: OPEN, flags: 0 })
    t.equal(c.zxid, z + 1)
    t.equal(c.body?.stat?.czxid, z + 1)
    await create(a, '/big2')
    const s = await target.execute(a, { type: OpCode.setData, path: '/big', data: null, dataLength: 0, version: -1 })
    t.equal(s.zxid, z + 3)
    t.equal(s.body?.stat?.mzxid, z + 3)
    const n = (await target.getNode('/big'))!
    t.equal(n.czxid, z + 1); t.equal(n.mzxid, z + 3)
    t.equal((await target.getNode('/'))!.pzxid, z + 2)
    t.equal(await target.getZxid(), 2 ** 52)
  }],

  ['owners -ttl and -2^63 (TTL, container) and ctime near 2^41 round-trip the store', async (t, { target, a }) => {
    const now = 1_764_000_000_123
    const c = await target.execute({ ...a, now }, { type: OpCode.createContainer, path: '/box', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER })
    t.equal(c.err, Err.OK)
    t.equal(c.body?.stat?.ctime, now)
    // the stored owner (what the engine keeps; the Stat a client sees is the engine's business)
    t.equal((await target.getNode('/box'))!.ephemeralOwner, -(2 ** 63))
    t.equal((await target.getNode('/box'))!.ctime, now)
    // a TTL node is stored with owner -ttl: exact for every ttl up to 2^40 - 1
    const ttl = await target.execute(a, { type: OpCode.createTTL, path: '/ttl', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_WITH_TTL, ttl: 0xffffffffff })
    t.equal(ttl.err, Err.OK)
    t.equal(ttl.body?.stat?.ephemeralOwner, 0, 'clients see no owner')
    t.equal((await target.getNode('/ttl'))!.ephemeralOwner, -0xffffffffff)
  }],

  ['sweep: containers go once emptied after having a child, each as its own txn with watches', async (t, { target, a, b, create }) => {
    const container = (path: string) => target.execute(a, { type: OpCode.createContainer, path, data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER })
    const nothing = await target.sweep(3000, 100)
    t.same([nothing.deleted, nothing.events, nothing.remaining], [[], [], 0], 'nothing to sweep')
    t.equal(nothing.zxid, await target.getZxid(), 'and no zxid used')
    t.equal((await container('/c1')).err, Err.OK)
    t.equal((await container('/c2')).err, Err.OK)
    t.equal((await container('/never')).err, Err.OK)
    t.equal((await create(a, '/plain')).err, Err.OK)
    await create(a, '/c1/x'); await create(a, '/c2/x', CreateFlag.EPHEMERAL)
    t.same((await target.sweep(3000, 100)).deleted, [], 'containers with children stay')
    await target.execute(a, { type: OpCode.delete, path: '/c1/x', version: -1 })
    await target.execute(a, { type: OpCode.delete, path: '/c2/x', version: -1 })
    await target.execute(b, { type: OpCode.exists, path: '/c1', watch: true })
    await target.execute(b, { type: OpCode.getChildren, path: '/', watch: true })
    const z = await target.getZxid()
    const one = await target.sweep(3000, 1)
    t.same(one.deleted, ['/c1'], 'sorted, and limited')
    t.equal(one.remaining, 1)
    t.equal(one.zxid, z + 1)
    t.same(one.events, [
      { session: b.session, type: EventType.NodeDeleted, path: '/c1' },
      { session: b.session, type: EventType.NodeChildrenChanged, path: '/' },
    ])
    const rest = await target.sweep(3000, 100)
    t.same(rest.deleted, ['/c2'])
    t.equal(rest.zxid, z + 2, 'one zxid per deletion')
    t.equal(await target.getNode('/c1'), undefined)
    t.equal(await target.getNode('/c2'), undefined)
    t.ok(await target.getNode('/never'), 'a container that never had a child stays')
    t.ok(await target.getNode('/plain'))
    t.same((await target.sweep(3000, 100)).deleted, [])
    t.same((await target.sweep(10 ** 9, 100, 60000)).deleted, ['/never'], 'unless maxNeverUsedIntervalMs has passed')
    t.equal((await target.getNode('/'))!.pzxid, await target.getZxid())
  }],

  ['sweep: TTL nodes go once childless and unchanged for longer than their ttl', async (t, { target, a, b }) => {
    const ttlNode = (path: string, ttl: number, flags = CreateFlag.PERSISTENT_WITH_TTL, now = 2000) =>
      target.execute({ ...a, now }, { type: OpCode.createTTL, path, data: bytes('t'), dataLength: 1, acl: OPEN, flags, ttl })
    t.equal((await ttlNode('/t1', 1000)).err, Err.OK)
    t.equal((await ttlNode('/t2', 5000)).err, Err.OK)
    t.equal((await ttlNode('/q', 1000)).err, Err.OK)
    t.equal((await ttlNode('/q/s-', 1000, CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL)).body?.path, '/q/s-0000000000')
    t.same((await target.sweep(3000, 100)).deleted, [], 'ttl not passed (3000 - 2000 is not > 1000)')
    // setData moves mtime: /t2's clock starts again
    await target.execute({ ...a, now: 6000 }, { type: OpCode.setData, path: '/t2', data: bytes('u'), dataLength: 1, version: -1 })
    await target.execute(b, { type: OpCode.getData, path: '/q/s-0000000000', watch: true })
    const out = await target.sweep(7500, 100)
    t.same(out.deleted, ['/q/s-0000000000', '/t1'], '/q has a child, /t2 was touched at 6000')
    t.same(out.events, [{ session: b.session, type: EventType.NodeDeleted, path: '/q/s-0000000000' }])
    t.same((await target.sweep(7500, 100)).deleted, ['/q'], 'the parent goes on a later sweep, once childless')
    t.same((await target.sweep(11001, 100)).deleted, ['/t2'])
    t.same((await target.sweep(10 ** 12, 100)).deleted, [])
  }],

  ['sweep: a multi that replaces a container by a plain node leaves the index', async (t, { target, a }) => {
    await target.execute(a, { type: OpCode.createContainer, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER })
    await target.execute(a, { type: OpCode.create, path: '/m/k', data: null, dataLength: 0, acl: OPEN, flags: 0 })
    const r = await target.execute(a, { type: OpCode.multi, ops: [
      { type: OpCode.delete, path: '/m/k', version: -1 },
      { type: OpCode.delete, path: '/m', version: -1 },
      { type: OpCode.create, path: '/m', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.create, path: '/m/k', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.delete, path: '/m/k', version: -1 },
    ] })
    t.equal(r.err, Err.OK)
    t.same((await target.sweep(3000, 100)).deleted, [], 'the new /m is not a container')
    t.ok(await target.getNode('/m'))
  }],

  ['quotas: zookeeper_stats counts the subtree when created, then every create, delete and setData under it, in place', async (t, { target, a, b, create }) => {
    const text = async (path: string) => { const n = await target.getNode(path); return n?.data === null || n === undefined ? n?.data : Buffer.from(n.data).toString() }
    const set = (path: string, data: string) => target.execute(a, { type: OpCode.setData, path, data: bytes(data), dataLength: data.length, version: -1 })
    t.equal((await create(a, '/q', 0, bytes('root'))).err, Err.OK)
    t.equal((await create(a, '/q/a', 0, bytes('xx'))).err, Err.OK)
    t.equal((await create(a, '/q/a/deep', 0, null)).err, Err.OK)
    // what zkCli's setquota -n 5 /q sends
    t.equal((await create(a, '/zookeeper/quota/q', 0, null)).err, Err.OK)
    t.equal((await create(a, '/zookeeper/quota/q/zookeeper_limits', 0, bytes('count=5,bytes=-1'))).err, Err.OK)
    const made = await target.execute(a, { type: OpCode.create2, path: '/zookeeper/quota/q/zookeeper_stats', data: bytes('count=0,bytes=0'), dataLength: 15, acl: OPEN, flags: 0 })
    t.equal(made.body?.stat?.dataLength, 15, 'the reply Stat is taken before the server counts')
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=3,bytes=6', '/q, /q/a, /q/a/deep: 4 + 2 + 0 bytes')
    const stats0 = (await target.getNode('/zookeeper/quota/q/zookeeper_stats'))!
    t.equal(stats0.dataLength, 15)
    await target.execute(b, { type: OpCode.getData, path: '/zookeeper/quota/q/zookeeper_stats', watch: true })
    const c = await create(a, '/q/b', CreateFlag.EPHEMERAL, bytes('abc'))
    t.same(c.events, [], 'no watch fires on the stats znode')
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=4,bytes=9')
    await set('/q/a', 'xxxxx')
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=4,bytes=12')
    await target.execute(a, { type: OpCode.delete, path: '/q/a/deep', version: -1 })
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=3,bytes=12')
    const stats1 = (await target.getNode('/zookeeper/quota/q/zookeeper_stats'))!
    t.same([stats1.version, stats1.mzxid, stats1.dataLength], [stats0.version, stats0.mzxid, 16], 'data in place: same version and mzxid')
    // a session's ephemerals leave the count when it closes
    await target.closeSession(a)
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=2,bytes=9')
    // outside the quota nothing changes; a nested quota takes its own subtree
    await create(b, '/other', 0, bytes('zz'))
    await create(b, '/q/n', 0, null)
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=3,bytes=9')
    await create(b, '/zookeeper/quota/q/n', 0, null)
    await create(b, '/zookeeper/quota/q/n/zookeeper_limits', 0, bytes('count=-1,bytes=-1=;countHardLimit=2'))
    await create(b, '/zookeeper/quota/q/n/zookeeper_stats', 0, bytes('count=0,bytes=0'))
    t.equal(await text('/zookeeper/quota/q/n/zookeeper_stats'), 'count=1,bytes=0')
    await create(b, '/q/n/x', 0, bytes('1234'))
    t.equal(await text('/zookeeper/quota/q/n/zookeeper_stats'), 'count=2,bytes=4', 'the deepest quota counts')
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=3,bytes=9', 'and only it')
    // StatsTrack's format: other keys sorted after "=", unknown pairs kept
    await target.execute(b, { type: OpCode.setData, path: '/zookeeper/quota/q/n/zookeeper_stats', data: bytes('zeta=1;bytes=4,count=2;alpha='), dataLength: 29, version: -1 })
    await create(b, '/q/n/y', 0, null)
    t.equal(await text('/zookeeper/quota/q/n/zookeeper_stats'), 'count=3,bytes=4=;zeta=1')
    // delquota: the limits znode goes, the path is no longer counted
    t.equal((await target.execute(b, { type: OpCode.delete, path: '/zookeeper/quota/q/n/zookeeper_limits', version: -1 })).err, Err.OK)
    await create(b, '/q/n/z', 0, bytes('zz'))
    t.equal(await text('/zookeeper/quota/q/n/zookeeper_stats'), 'count=3,bytes=4=;zeta=1', 'no longer counted there')
    t.equal(await text('/zookeeper/quota/q/zookeeper_stats'), 'count=4,bytes=11', 'but by the quota above')
  }],
]

/** Cases that need their own session ids. */
export const bigIdCases: Case[] = [
  ['session ids near 2^52 round-trip exactly', async (t, { target, a, b, create }) => {
    t.equal(a.session, 2 ** 52 + 1)
    t.equal((await create(a, '/own', CreateFlag.EPHEMERAL)).err, Err.OK)
    t.equal((await target.getNode('/own'))!.ephemeralOwner, 2 ** 52 + 1)
    await target.execute(b, { type: OpCode.exists, path: '/own', watch: true })
    const out = await target.closeSession(a)
    t.same(out.events, [{ session: 2 ** 52 + 3, type: EventType.NodeDeleted, path: '/own' }])
    t.same((await target.expire(10 ** 9)).expired, [2 ** 52 + 3])
  }],
]
