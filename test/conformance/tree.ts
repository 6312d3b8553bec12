// Conformance: the znode tree. The initial tree, every create mode, path
// validation, Stat bookkeeping of writes, reads and ACLs.

import { Err, OpCode } from '../../src/engine/codes'
import {
  OPEN, READ_ONLY, Session, bytes, create, create2, del, exists, getChildren, getChildren2, getData,
  setData, sorted, statOf, type Tap
} from './helpers'

export function treeCases (t: Tap, addr: () => string): void {
  // Runs first, on a fresh server: it pins the initial tree exactly.
  t.test('the initial tree: /, /zookeeper, /zookeeper/quota, /zookeeper/config', async (t) => {
    const c = await new Session(t, addr).client()
    const zero = { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, pzxid: 0 }

    const root = await getChildren2(c, '/')
    t.equal(root.err, Err.OK)
    t.same(root.body?.children, ['zookeeper'])
    t.same(root.body?.stat, { ...zero, cversion: -1, numChildren: 1 }, '/ stat')
    const rootData = await getData(c, '/')
    t.ok(rootData.body?.data instanceof Uint8Array && rootData.body.data.length === 0, '/ holds empty (not null) data')

    const zk = await getChildren2(c, '/zookeeper')
    t.same(sorted(zk.body?.children), ['config', 'quota'])
    t.same(zk.body?.stat, { ...zero, cversion: -2, numChildren: 2 }, '/zookeeper stat')
    const zkData = await getData(c, '/zookeeper')
    t.equal(zkData.body?.data?.length, 0, '/zookeeper holds empty data')

    const quota = await getData(c, '/zookeeper/quota')
    t.equal(quota.body?.data?.length, 0)
    t.same(quota.body?.stat, { ...zero, cversion: 0, numChildren: 0 }, '/zookeeper/quota stat')
    const config = await getData(c, '/zookeeper/config')
    t.equal(config.body?.data?.length, 0)
    t.same(config.body?.stat, { ...zero, aversion: -1, cversion: 0, numChildren: 0 }, '/zookeeper/config stat (aversion -1)')

    const rootAcl = await c.request({ type: OpCode.getACL, path: '/' })
    t.same(rootAcl.body?.acl, OPEN, '/ is open to world:anyone')
    t.same((await c.request({ type: OpCode.getACL, path: '/zookeeper/quota' })).body?.acl, OPEN)
    const cfgAcl = await c.request({ type: OpCode.getACL, path: '/zookeeper/config' })
    t.same(cfgAcl.body?.acl, READ_ONLY, '/zookeeper/config is read-only')
    t.equal(cfgAcl.body?.stat?.aversion, -1)

    const all = await c.request({ type: OpCode.getAllChildrenNumber, path: '/' })
    t.same(all.body, { count: 3 }, 'three nodes under /')

    t.equal((await create(c, '/')).err, Err.NODEEXISTS, 'create / → NODEEXISTS')
    t.equal((await create(c, '/zookeeper')).err, Err.NODEEXISTS)
    for (const p of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      t.equal((await del(c, p)).err, Err.BADARGUMENTS, `delete ${p} → BADARGUMENTS`)
    }
    t.equal((await setData(c, '/zookeeper/config', bytes('x'))).err, Err.NOAUTH, 'setData /zookeeper/config → NOAUTH')
  })

  t.test('create: every mode, sequential names from the parent cversion', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    t.equal((await create(c, '/cr')).err, Err.OK)

    const p = await create(c, '/cr/p')
    t.same(p.body, { path: '/cr/p' }, 'create replies with the path only')
    t.equal((await statOf(t, c, '/cr/p')).ephemeralOwner, 0)

    t.same((await create(c, '/cr/e', 1)).body, { path: '/cr/e' })
    t.equal((await statOf(t, c, '/cr/e')).ephemeralOwner, c.sessionId, 'an ephemeral is owned by its session')

    // The suffix counts the parent's child creates so far (two), %010d.
    t.same((await create(c, '/cr/s-', 2)).body, { path: '/cr/s-0000000002' }, 'sequential suffix = child creates so far, %010d')
    t.same((await create(c, '/cr/s-', 2)).body, { path: '/cr/s-0000000003' })
    t.equal((await del(c, '/cr/s-0000000003')).err, Err.OK)
    // ZooKeeper stores a count of creates; the cversion clients see is
    // creates*2 - numChildren (creates + deletes), but the suffix uses creates.
    t.match(await statOf(t, c, '/cr'), { cversion: 5, numChildren: 3 }, 'the visible cversion counts the delete…')
    t.same((await create(c, '/cr/es-', 3)).body, { path: '/cr/es-0000000004' }, '…the sequence suffix does not')
    t.equal((await statOf(t, c, '/cr/es-0000000004')).ephemeralOwner, c.sessionId)
    t.same((await create(c, '/cr/', 2)).body, { path: '/cr/0000000005' }, 'a sequential name may be the bare suffix')

    const cont = await c.request({ type: OpCode.createContainer, path: '/cr/c', data: null, dataLength: 0, acl: OPEN, flags: 4 })
    t.equal(cont.err, Err.OK)
    t.equal(cont.body?.path, '/cr/c')
    t.equal(cont.body?.stat?.ephemeralOwner, 0, 'a container shows ephemeralOwner 0 to clients')

    // TTL nodes need zookeeper.extendedTypesEnabled, off by default.
    const ttl = await c.request({ type: OpCode.createTTL, path: '/cr/t', data: null, dataLength: 0, acl: OPEN, flags: 5, ttl: 1000 })
    t.equal(ttl.err, Err.UNIMPLEMENTED, 'createTTL → UNIMPLEMENTED without extended types')
    t.equal((await create(c, '/cr/t', 5)).err, Err.UNIMPLEMENTED, 'TTL mode via create → UNIMPLEMENTED')
    t.equal((await create(c, '/cr/f', 7)).err, Err.BADARGUMENTS, 'unknown create flags → BADARGUMENTS')
    t.equal((await create(c, '/cr/f', -1)).err, Err.BADARGUMENTS)

    t.equal((await create(c, '/cr/p')).err, Err.NODEEXISTS)
    t.equal((await create(c, '/cr/e', 1)).err, Err.NODEEXISTS)
    t.equal((await create(c, '/cr/missing/x')).err, Err.NONODE, 'missing parent → NONODE')
    t.equal((await create(c, '/cr/e/x')).err, Err.NOCHILDRENFOREPHEMERALS)
    t.equal((await create(c, '/cr/e/x', 2)).err, Err.NOCHILDRENFOREPHEMERALS)

    t.same(sorted((await getChildren(c, '/cr')).body?.children),
      ['0000000005', 'c', 'e', 'es-0000000004', 'p', 's-0000000002'])
  })

  t.test('create: ACL validation', async (t) => {
    const c = await new Session(t, addr).client()
    t.equal((await create(c, '/acl-v')).err, Err.OK)
    const bad: Array<[string, typeof OPEN]> = [
      ['empty ACL', []],
      ['unknown scheme', [{ perms: 31, id: { scheme: 'nope', id: 'x' } }]],
      ['world with an id other than anyone', [{ perms: 31, id: { scheme: 'world', id: 'x' } }]],
      ['auth scheme on an unauthenticated connection', [{ perms: 31, id: { scheme: 'auth', id: '' } }]]
    ]
    for (const [what, acl] of bad) {
      t.equal((await create(c, '/acl-v/x', 0, null, acl)).err, Err.INVALIDACL, `${what} → INVALIDACL`)
    }
    t.equal((await exists(c, '/acl-v/x')).err, Err.NONODE, 'nothing was created')
  })

  t.test('path validation', async (t) => {
    const c = await new Session(t, addr).client()
    t.equal((await create(c, '/pv')).err, Err.OK)
    // Results differ by op because ZooKeeper resolves the parent before it
    // validates the full path (create) or not at all (reads).
    const cases: Array<[string, { create: number, setData: number, delete: number, exists: number }]> = [
      ['pv', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.BADARGUMENTS, exists: Err.NONODE }],
      ['', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.BADARGUMENTS, exists: Err.OK }],
      ['/pv/', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv//b', { create: Err.NONODE, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/./b', { create: Err.NONODE, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/../b', { create: Err.NONODE, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/.', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/..', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/x\u0000y', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.BADARGUMENTS, exists: Err.BADARGUMENTS }],
      ['/pv/x\u0001y', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/\u007f', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }],
      ['/pv/\uffff', { create: Err.BADARGUMENTS, setData: Err.BADARGUMENTS, delete: Err.NONODE, exists: Err.NONODE }]
    ]
    for (const [p, want] of cases) {
      const name = JSON.stringify(p)
      t.equal((await create(c, p)).err, want.create, `create ${name}`)
      t.equal((await setData(c, p, null)).err, want.setData, `setData ${name}`)
      t.equal((await del(c, p)).err, want.delete, `delete ${name}`)
      t.equal((await exists(c, p)).err, want.exists, `exists ${name}`)
    }
    t.same((await getChildren(c, '/pv')).body?.children, [], 'no invalid path was created')
    // A sequential create validates the name with its suffix: "/pv/." + digits is fine.
    t.same((await create(c, '/pv/.', 2)).body, { path: '/pv/.0000000000' })
  })

  t.test('create2 returns the Stat; parent Stat bookkeeping', async (t) => {
    const c = await new Session(t, addr).client()
    const before = Date.now()
    const p = await create2(c, '/c2', 0, bytes('hello'))
    t.equal(p.err, Err.OK)
    t.equal(p.body?.path, '/c2')
    const z = p.zxid
    const st = p.body?.stat
    t.match(st, { czxid: z, mzxid: z, pzxid: z, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 5, numChildren: 0 })
    t.equal(st?.ctime, st?.mtime, 'ctime = mtime on create')
    t.ok((st?.ctime ?? 0) >= before - 60_000, 'ctime is wall-clock ms')
    t.same(await statOf(t, c, '/c2'), st, 'exists returns the same Stat')

    const child = await create2(c, '/c2/k', 1)
    t.equal(child.body?.stat?.ephemeralOwner, c.sessionId)
    const parent = await statOf(t, c, '/c2')
    t.match(parent, { czxid: z, mzxid: z, version: 0, cversion: 1, numChildren: 1, pzxid: child.zxid }, 'child create: cversion+1, pzxid = its zxid, mzxid unchanged')

    const gone = await del(c, '/c2/k')
    t.equal(gone.err, Err.OK)
    t.ok(gone.zxid > child.zxid, 'delete reply carries its own zxid')
    t.match(await statOf(t, c, '/c2'), { mzxid: z, cversion: 2, numChildren: 0, pzxid: gone.zxid }, 'child delete: cversion+1, pzxid = its zxid')

    const failed = await create2(c, '/c2', 0)
    t.equal(failed.err, Err.NODEEXISTS)
    t.equal(failed.size, 16, 'an error reply is the bare header')
    t.equal(failed.body, undefined)
  })

  t.test('delete: versions, NOTEMPTY, NONODE', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/dl')
    await create(c, '/dl/a')
    await create(c, '/dl/b')
    t.equal((await setData(c, '/dl/b', bytes('1'))).err, Err.OK)
    t.equal((await del(c, '/dl')).err, Err.NOTEMPTY)
    t.equal((await del(c, '/dl/a', 1)).err, Err.BADVERSION)
    t.equal((await del(c, '/dl/a', 0)).err, Err.OK)
    t.equal((await del(c, '/dl/b', 0)).err, Err.BADVERSION)
    t.equal((await del(c, '/dl/b', 1)).err, Err.OK)
    t.equal((await del(c, '/dl/b')).err, Err.NONODE)
    t.equal((await del(c, '/dl/nope', 5)).err, Err.NONODE, 'NONODE wins over BADVERSION')
    const r = await del(c, '/dl', -1)
    t.equal(r.err, Err.OK)
    t.equal(r.size, 16, 'a delete reply has no body')
    t.equal((await exists(c, '/dl')).err, Err.NONODE)
  })

  t.test('setData: versions, Stat, null vs empty data', async (t) => {
    const c = await new Session(t, addr).client()
    const made = await create2(c, '/sd', 0, null)
    const st0 = made.body?.stat
    const nul = await getData(c, '/sd')
    t.equal(nul.body?.data, null, 'created with null data → getData returns null')
    t.equal(nul.body?.stat?.dataLength, 0)

    const r1 = await setData(c, '/sd', bytes('abc'), 0)
    t.equal(r1.err, Err.OK)
    t.match(r1.body?.stat, { czxid: st0?.czxid, mzxid: r1.zxid, version: 1, dataLength: 3, cversion: 0, aversion: 0, pzxid: st0?.pzxid, ctime: st0?.ctime })
    t.ok((r1.body?.stat?.mtime ?? 0) >= (st0?.mtime ?? 0), 'mtime does not go back')
    t.equal((await setData(c, '/sd', bytes('x'), 0)).err, Err.BADVERSION)
    t.equal((await setData(c, '/sd', bytes('x'), 7)).err, Err.BADVERSION)
    const r2 = await setData(c, '/sd', Buffer.alloc(0), -1)
    t.equal(r2.body?.stat?.version, 2, 'version -1 matches any and still increments')
    const empty = await getData(c, '/sd')
    t.ok(empty.body?.data instanceof Uint8Array && empty.body.data.length === 0, 'empty data stays empty, not null')
    const r3 = await setData(c, '/sd', null, 2)
    t.equal(r3.body?.stat?.version, 3)
    t.equal((await getData(c, '/sd')).body?.data, null, 'setData null → null')
    t.equal((await setData(c, '/sd-missing', null)).err, Err.NONODE)

    const big = Buffer.alloc(100_000, 7)
    t.equal((await setData(c, '/sd', big)).err, Err.OK)
    const back = await getData(c, '/sd')
    t.equal(back.body?.stat?.dataLength, big.length)
    t.ok(back.body?.data !== undefined && back.body.data !== null && Buffer.from(back.body.data).equals(big), '100 kB round-trip')
  })

  t.test('reads: exists, getData, getChildren, getChildren2 and their Stats', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/rd', 0, bytes('parent'))
    await create(c, '/rd/x', 0, bytes('xx'))
    await create(c, '/rd/y', 1)
    const p = await statOf(t, c, '/rd')
    t.match(p, { version: 0, cversion: 2, numChildren: 2, dataLength: 6, ephemeralOwner: 0 })

    const gd = await getData(c, '/rd')
    t.equal(Buffer.from(gd.body?.data ?? []).toString(), 'parent')
    t.same(gd.body?.stat, p)
    const gc = await getChildren(c, '/rd')
    t.same(sorted(gc.body?.children), ['x', 'y'])
    t.equal(gc.body?.stat, undefined, 'getChildren has no Stat')
    const gc2 = await getChildren2(c, '/rd')
    t.same(sorted(gc2.body?.children), ['x', 'y'])
    t.same(gc2.body?.stat, p)
    t.same((await getChildren(c, '/rd/x')).body?.children, [], 'a leaf has no children')

    const missing = await exists(c, '/rd/none')
    t.equal(missing.err, Err.NONODE, 'exists on a missing node → NONODE')
    t.equal(missing.size, 16, '… with the bare header')
    t.equal((await getData(c, '/rd/none')).err, Err.NONODE)
    t.equal((await getChildren(c, '/rd/none')).err, Err.NONODE)
    t.equal((await getChildren2(c, '/rd/none')).err, Err.NONODE)
    t.ok(missing.zxid >= p.pzxid, 'a read reply carries the last zxid')

    const sync = await c.request({ type: OpCode.sync, path: '/rd' })
    t.same(sync.body, { path: '/rd' }, 'sync echoes the path')
    t.same((await c.request({ type: OpCode.sync, path: 'anything' })).body, { path: 'anything' }, 'sync does not validate')

    await create(c, '/rd/x/deep')
    await create(c, '/rd/x/deep/er')
    t.same((await c.request({ type: OpCode.getAllChildrenNumber, path: '/rd' })).body, { count: 4 }, 'getAllChildrenNumber counts all descendants')
    t.same((await c.request({ type: OpCode.getAllChildrenNumber, path: '/rd/x/deep/er' })).body, { count: 0 })
    t.equal((await c.request({ type: OpCode.getAllChildrenNumber, path: '/rd/none' })).err, Err.NONODE)
  })

  t.test('getACL / setACL: aversion, BADVERSION, INVALIDACL, NOAUTH', async (t) => {
    const c = await new Session(t, addr).client()
    const made = await create2(c, '/ac', 0, bytes('v'))
    const g = await c.request({ type: OpCode.getACL, path: '/ac' })
    t.same(g.body?.acl, OPEN)
    t.same(g.body?.stat, made.body?.stat)

    const s = await c.request({ type: OpCode.setACL, path: '/ac', acl: OPEN, version: 0 })
    t.equal(s.err, Err.OK)
    t.match(s.body?.stat, { aversion: 1, version: 0, mzxid: made.zxid, cversion: 0 }, 'setACL bumps aversion only')
    t.equal((await c.request({ type: OpCode.setACL, path: '/ac', acl: OPEN, version: 0 })).err, Err.BADVERSION)
    t.equal((await c.request({ type: OpCode.setACL, path: '/ac', acl: [], version: -1 })).err, Err.INVALIDACL)
    const ro = await c.request({ type: OpCode.setACL, path: '/ac', acl: READ_ONLY, version: 1 })
    t.equal(ro.body?.stat?.aversion, 2)
    t.equal((await c.request({ type: OpCode.setACL, path: '/ac-none', acl: OPEN, version: -1 })).err, Err.NONODE)
    t.equal((await c.request({ type: OpCode.getACL, path: '/ac-none' })).err, Err.NONODE)

    t.same((await c.request({ type: OpCode.getACL, path: '/ac' })).body?.acl, READ_ONLY)
    t.equal((await getData(c, '/ac')).err, Err.OK, 'READ allows getData')
    t.equal((await setData(c, '/ac', bytes('w'))).err, Err.NOAUTH, 'no WRITE → NOAUTH')
    t.equal((await create(c, '/ac/kid')).err, Err.NOAUTH, 'no CREATE → NOAUTH')
    t.equal((await c.request({ type: OpCode.setACL, path: '/ac', acl: OPEN, version: 2 })).err, Err.NOAUTH, 'no ADMIN → NOAUTH')
    t.equal((await c.request({ type: OpCode.setACL, path: '/ac', acl: OPEN, version: 0 })).err, Err.NOAUTH, 'NOAUTH is checked before the version')
    t.equal((await del(c, '/ac')).err, Err.OK, 'DELETE is checked on the parent, which is open')
  })
}
