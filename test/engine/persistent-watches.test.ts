// addWatch (persistent and recursive), checkWatches, removeWatches and
// setWatches2's persistent lists, as ZooKeeper 3.8's WatchManager behaves.
import t from 'tap'
import { MemoryStorage } from './memory-storage'
import { execute, initTree, createSession, closeSession, OpCode, Err, EventType, type ACL, type Context, type WatchEvent } from '../../src/engine'

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

function setup () {
  const store = new MemoryStorage()
  initTree(store, Buffer.alloc(0))
  createSession(store, 1000, 1, 30000, 'aa')
  createSession(store, 1000, 2, 30000, 'bb')
  const a: Context = { session: 1, now: 2000, auth: [] }
  const b: Context = { session: 2, now: 2000, auth: [] }
  const create = (path: string) => execute(store, b, { type: OpCode.create, path, data: null, dataLength: 0, acl: OPEN, flags: 0 })
  const set = (path: string) => execute(store, b, { type: OpCode.setData, path, data: Buffer.from('v'), dataLength: 1, version: -1 })
  const del = (path: string) => execute(store, b, { type: OpCode.delete, path, version: -1 })
  const add = (ctx: Context, path: string, mode: number) => execute(store, ctx, { type: OpCode.addWatch, path, mode })
  const watches = (ctx: Context, type: OpCode.checkWatches | OpCode.removeWatches, path: string, watcherType: number) =>
    execute(store, ctx, { type, path, watcherType }).err
  return { store, a, b, create, set, del, add, watches }
}

const brief = (events: WatchEvent[]) => events.map((e) => `${e.session} ${EventType[e.type]} ${e.path}`)

t.test('persistent: fires on every change of exactly its path, children changes included', async (t) => {
  const { a, create, set, del, add } = setup()
  const out = add(a, '/p', 0)
  t.equal(out.err, Err.OK)
  t.equal(out.body, undefined, 'the ErrorResponse(0) record is the codec\'s business')
  t.same(brief(create('/p').events), ['1 NodeCreated /p'], 'no node needed to register')
  t.same(brief(set('/p').events), ['1 NodeDataChanged /p'])
  t.same(brief(set('/p').events), ['1 NodeDataChanged /p'], 'still there after firing')
  t.same(brief(create('/p/c').events), ['1 NodeChildrenChanged /p'])
  t.same(brief(set('/p/c').events), [], 'not recursive')
  t.same(brief(del('/p/c').events), ['1 NodeChildrenChanged /p'])
  t.same(brief(del('/p').events), ['1 NodeDeleted /p'], 'one event for both tables')
  t.same(brief(create('/p').events), ['1 NodeCreated /p'], 'survives the deletion')
})

t.test('recursive: fires for the path and below, never NodeChildrenChanged', async (t) => {
  const { a, create, set, del, add } = setup()
  t.equal(add(a, '/r', 1).err, Err.OK)
  t.same(brief(create('/r').events), ['1 NodeCreated /r'])
  t.same(brief(create('/r/x').events), ['1 NodeCreated /r/x'])
  t.same(brief(create('/r/x/y').events), ['1 NodeCreated /r/x/y'])
  t.same(brief(set('/r/x/y').events), ['1 NodeDataChanged /r/x/y'])
  t.same(brief(del('/r/x/y').events), ['1 NodeDeleted /r/x/y'])
  t.same(brief(create('/rx').events), [], '/rx is not below /r')
  t.same(brief(del('/r/x').events), ['1 NodeDeleted /r/x'])
})

t.test('one event per session; standard watches are consumed, persistent ones stay', async (t) => {
  const { store, a, b, create, set, add } = setup()
  create('/s'); create('/s/t')
  add(a, '/', 1)
  execute(store, a, { type: OpCode.getData, path: '/s/t', watch: true })
  execute(store, b, { type: OpCode.getData, path: '/s/t', watch: true })
  t.same(brief(set('/s/t').events).sort(), ['1 NodeDataChanged /s/t', '2 NodeDataChanged /s/t'])
  t.same(brief(set('/s/t').events), ['1 NodeDataChanged /s/t'], 'b\'s one-shot watch is gone, a\'s recursive one stays')
})

t.test('a later registration replaces the mode, as WatcherModeManager', async (t) => {
  const { store, a, create, set, add } = setup()
  create('/m')
  add(a, '/m', 0)
  execute(store, a, { type: OpCode.getData, path: '/m', watch: true })
  t.same(brief(set('/m').events), ['1 NodeDataChanged /m'])
  t.same(brief(set('/m').events), [], 'the data watch became one-shot and fired')
  t.same(brief(create('/m/c').events), ['1 NodeChildrenChanged /m'], 'the child table kept its persistent mode')
})

t.test('checkWatches and removeWatches', async (t) => {
  const { store, a, b, create, set, add, watches } = setup()
  create('/w')
  t.equal(watches(a, OpCode.checkWatches, '/w', 3), Err.NOWATCHER)
  t.equal(watches(a, OpCode.removeWatches, '/w', 3), Err.NOWATCHER)
  execute(store, a, { type: OpCode.getChildren, path: '/w', watch: true })
  t.equal(watches(a, OpCode.checkWatches, '/w', 2), Err.NOWATCHER, 'no data watch')
  t.equal(watches(a, OpCode.checkWatches, '/w', 1), Err.OK)
  t.equal(watches(b, OpCode.checkWatches, '/w', 1), Err.OK, 'ZooKeeper 3.8.0 answers for any session\'s watch')
  t.equal(watches(b, OpCode.removeWatches, '/w', 1), Err.NOWATCHER, 'but removes only the asker\'s')
  t.equal(watches(a, OpCode.removeWatches, '/w', 2), Err.NOWATCHER)
  t.equal(watches(a, OpCode.removeWatches, '/w', 1), Err.OK)
  t.same(create('/w/c').events, [], 'removed')
  add(a, '/w', 1)
  t.equal(watches(a, OpCode.removeWatches, '/w', 2), Err.OK, 'data table only')
  t.same(brief(set('/w/c').events), [], 'recursive data registration gone')
  t.equal(watches(a, OpCode.checkWatches, '/w', 1), Err.OK, 'child table still holds it')
  t.equal(watches(a, OpCode.removeWatches, '/w', 3), Err.OK)
  t.equal(watches(a, OpCode.checkWatches, '/w', 3), Err.NOWATCHER)
  t.equal(watches(a, OpCode.checkWatches, '/w', 9), Err.MARSHALLINGERROR, 'WatcherType.fromInt rejects it')
  t.equal(add(a, '/w', 2).err, Err.MARSHALLINGERROR, 'WatcherMode.fromZooDef rejects it')
})

t.test('setWatches2 re-registers persistent lists without events; close drops them', async (t) => {
  const { store, a, create, set } = setup()
  create('/q'); set('/q')
  const out = execute(store, a, {
    type: OpCode.setWatches2, relativeZxid: 0, dataWatches: [], existWatches: [], childWatches: [],
    persistentWatches: ['/q'], persistentRecursiveWatches: ['/'],
  })
  t.same(out.events, [], 'nothing fires for persistent lists')
  t.same(brief(set('/q').events), ['1 NodeDataChanged /q'])
  t.same(brief(create('/q/z').events), ['1 NodeCreated /q/z', '1 NodeChildrenChanged /q'])
  closeSession(store, a)
  t.same(set('/q').events, [])
  t.equal(store.hasRecursiveWatches(), false)
})

t.test('checkWatches on a path without a leading "/" fails as ZooKeeper\'s parent walk does, once any recursive watch exists', async (t) => {
  const { a, b, add, watches } = setup()
  t.equal(watches(a, OpCode.checkWatches, 'rel', 3), Err.NOWATCHER, 'no recursive watch anywhere: only the path itself is looked at')
  add(b, '/r', 1) // a recursive watch by another session turns the walk on
  t.equal(watches(a, OpCode.checkWatches, 'rel', 2), Err.MARSHALLINGERROR, 'the walk from "rel" fails inside ZooKeeper')
  t.equal(watches(a, OpCode.checkWatches, '/nowhere', 2), Err.NOWATCHER, 'a "/" path walks to the root fine')
  t.equal(watches(a, OpCode.removeWatches, 'rel', 2), Err.NOWATCHER, 'removeWatches does not walk')
})
