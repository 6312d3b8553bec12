// Conformance: containers and TTL create modes on a server WITHOUT extended
// types (ZooKeeper's default): what the opcode and the flags decide, and how a
// multi rebuilds its create ops from their flags. The sweep itself is
// test/containers (it needs a short check interval).

import { CreateFlag, Err, OpCode } from '../../src/engine/codes'
import { OPEN, Session, create, statOf, type Tap } from './helpers'

export function containerCases (t: Tap, addr: () => string): void {
  t.test('containers: the opcode decides, the Stat shows no owner', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/ct')
    // createContainer with EPHEMERAL flags still makes a container (the txn
    // type decides the owner): no owner shown, and it outlives the session
    const odd = await c.request({ type: OpCode.createContainer, path: '/ct/e', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.EPHEMERAL })
    t.equal(odd.err, Err.OK)
    t.equal(odd.body?.stat?.ephemeralOwner, 0)
    const plain = await c.request({ type: OpCode.create2, path: '/ct/p', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.CONTAINER })
    t.equal(plain.err, Err.OK, 'a plain create with the CONTAINER flag is accepted')
    t.equal(plain.body?.stat?.ephemeralOwner, 0)
    await c.close()
    const d = await new Session(t, addr).client()
    t.equal((await statOf(t, d, '/ct/e')).ephemeralOwner, 0, 'not deleted with its session')
    t.equal((await d.request({ type: OpCode.getEphemerals, prefixPath: '/ct' })).body?.paths?.length, 0)
  })

  t.test('TTL modes without extended types; TTL flags on a plain create inside multi', async (t) => {
    const c = await new Session(t, addr).client()
    await create(c, '/tt')
    const z0 = (await c.request({ type: OpCode.sync, path: '/' })).zxid
    // Op.create gives the CreateRequest the createTTL opcode, and the server's
    // cast to CreateTTLRequest fails the whole multi (after the ops before it)
    const cast = await c.request({ type: OpCode.multi, ops: [
      { type: OpCode.create, path: '/tt/a', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.create, path: '/tt/b', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_WITH_TTL }
    ] })
    t.equal(cast.err, Err.MARSHALLINGERROR)
    t.equal(cast.zxid, z0 + 1, 'an error txn')
    t.equal((await c.request({ type: OpCode.exists, path: '/tt/a', watch: false })).err, Err.NONODE, 'nothing applied')
    // an earlier failure wins: the TTL op is never reached
    const earlier = await c.request({ type: OpCode.multi, ops: [
      { type: OpCode.delete, path: '/tt/none', version: -1 },
      { type: OpCode.createContainer, path: '/tt/b', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL }
    ] })
    t.same(earlier.body?.results, [{ type: OpCode.error, err: Err.NONODE }, { type: OpCode.error, err: Err.RUNTIMEINCONSISTENCY }])
    // a real createTTL record inside multi: UNIMPLEMENTED like the top-level one
    const ttl = await c.request({ type: OpCode.multi, ops: [
      { type: OpCode.createTTL, path: '/tt/c', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT_WITH_TTL, ttl: 1000 }
    ] })
    t.same(ttl.body?.results, [{ type: OpCode.error, err: Err.UNIMPLEMENTED }])
    // a createTTL record with a non-TTL mode becomes a plain create inside multi
    const plain = await c.request({ type: OpCode.multi, ops: [
      { type: OpCode.createTTL, path: '/tt/d', data: null, dataLength: 0, acl: OPEN, flags: CreateFlag.PERSISTENT, ttl: 1000 }
    ] })
    t.same(plain.body?.results, [{ type: OpCode.create, path: '/tt/d' }])
  })
}
