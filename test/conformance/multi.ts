// Conformance: multi (atomic writes) and multiRead (independent reads).

import { Err, OpCode } from '../../src/engine/codes'
import type { SubRequest } from '../../src/engine/types'
import { OPEN, Session, bytes, create, exists, getData, statOf, type Tap } from './helpers'

function mkOp (path: string, flags = 0, type: OpCode.create | OpCode.create2 | OpCode.createContainer = OpCode.create): SubRequest {
  return { type, path, data: null, dataLength: 0, acl: OPEN, flags }
}

export function multiCases (t: Tap, addr: () => string): void {
  t.test('multi: all or nothing, per-op results', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/mu')
    const before = await statOf(t, c, '/mu')

    const failed = await c.request({
      type: OpCode.multi,
      ops: [
        mkOp('/mu/a'),
        mkOp('/mu/a'),
        { type: OpCode.setData, path: '/mu', data: bytes('x'), dataLength: 1, version: -1 },
        { type: OpCode.delete, path: '/mu/zz', version: -1 }
      ]
    })
    t.equal(failed.err, Err.OK, 'a failed multi still has err OK in its header')
    t.same(failed.body?.results, [
      { type: OpCode.error, err: Err.OK },
      { type: OpCode.error, err: Err.NODEEXISTS },
      { type: OpCode.error, err: Err.RUNTIMEINCONSISTENCY },
      { type: OpCode.error, err: Err.RUNTIMEINCONSISTENCY }
    ], 'OK before the failing op, its code, RUNTIMEINCONSISTENCY after')
    t.equal((await exists(c, '/mu/a')).err, Err.NONODE, 'nothing was applied')
    t.match(await statOf(t, c, '/mu'), { version: before.version, cversion: before.cversion, dataLength: 0 })

    const ok = await c.request({
      type: OpCode.multi,
      ops: [
        mkOp('/mu/s-', 2),
        mkOp('/mu/b', 0, OpCode.create2),
        mkOp('/mu/c', 4, OpCode.createContainer),
        { type: OpCode.check, path: '/mu', version: 0 },
        { type: OpCode.setData, path: '/mu', data: bytes('y'), dataLength: 1, version: 0 },
        { type: OpCode.delete, path: '/mu/b', version: -1 }
      ]
    })
    t.equal(ok.err, Err.OK)
    const z = ok.zxid
    const res = ok.body?.results ?? []
    t.equal(res.length, 6)
    t.same(res[0], { type: OpCode.create, path: '/mu/s-0000000000' }, 'sequential name inside a multi')
    t.same(res[1], { type: OpCode.create, path: '/mu/b' }, 'create2 inside a multi answers like create (no Stat)')
    t.match(res[2], { type: OpCode.create2, path: '/mu/c', stat: { czxid: z, mzxid: z, pzxid: z, version: 0, ephemeralOwner: 0 } }, 'createContainer answers create2 with a Stat')
    t.same(res[3], { type: OpCode.check })
    t.match(res[4], { type: OpCode.setData, stat: { mzxid: z, version: 1, dataLength: 1, cversion: 3, numChildren: 3, pzxid: z } }, 'every op of a multi shares one zxid')
    t.same(res[5], { type: OpCode.delete })
    t.equal((await exists(c, '/mu/b')).err, Err.NONODE)
    t.equal(Buffer.from((await getData(c, '/mu')).body?.data ?? []).toString(), 'y')

    const check = await c.request({ type: OpCode.multi, ops: [{ type: OpCode.check, path: '/mu', version: 9 }] })
    t.same(check.body?.results, [{ type: OpCode.error, err: Err.BADVERSION }], 'check with a wrong version')
    const checkMissing = await c.request({ type: OpCode.multi, ops: [{ type: OpCode.check, path: '/mu/none', version: -1 }] })
    t.same(checkMissing.body?.results, [{ type: OpCode.error, err: Err.NONODE }])

    const seen = await c.request({
      type: OpCode.multi,
      ops: [mkOp('/mu/d'), mkOp('/mu/d/e'), { type: OpCode.delete, path: '/mu/d/e', version: 0 }]
    })
    t.same(seen.body?.results?.map((r) => r.type), [OpCode.create, OpCode.create, OpCode.delete], 'later ops see earlier ones')

    const empty = await c.request({ type: OpCode.multi, ops: [] })
    t.equal(empty.err, Err.OK)
    t.same(empty.body?.results, [], 'an empty multi succeeds with no results')
    t.equal(empty.size, 25, 'header + the end marker only')
    t.ok(empty.zxid > seen.zxid, 'an empty multi is still a transaction (consumes a zxid)')
  })

  t.test('multiRead: independent reads, errors in place', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/mr', 0, bytes('d'))
    await create(c, '/mr/k')
    const st = await statOf(t, c, '/mr')
    const r = await c.request({
      type: OpCode.multiRead,
      ops: [
        { type: OpCode.getData, path: '/mr', watch: false },
        { type: OpCode.getChildren, path: '/mr', watch: false },
        { type: OpCode.getData, path: '/mr/none', watch: false },
        { type: OpCode.getChildren, path: '/mr/k', watch: false }
      ]
    })
    t.equal(r.err, Err.OK)
    t.equal(r.zxid, st.pzxid, 'a read carries the last zxid, consuming none')
    const res = r.body?.results ?? []
    t.same(res[0], { type: OpCode.getData, data: bytes('d'), stat: st })
    t.same(res[1], { type: OpCode.getChildren, children: ['k'] })
    t.same(res[2], { type: OpCode.error, err: Err.NONODE }, 'a failed read does not stop the others')
    t.same(res[3], { type: OpCode.getChildren, children: [] })
    t.equal(res.length, 4)
    t.same((await c.request({ type: OpCode.multiRead, ops: [] })).body?.results, [])
  })
}
