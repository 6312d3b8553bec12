// Conformance: ZooKeeper 3.6+'s watch requests. addWatch (persistent and
// persistent-recursive), checkWatches, removeWatches, and setWatches2's
// persistent lists. "No event" is asserted after a barrier, never a sleep.

import { Err, EventType, OpCode } from '../../src/engine/codes'
import type { ZkClient } from '../../src/client'
import { Session, barrier, bytes, collect, create, del, ev, getData, plain, setData, type Tap } from './helpers'

function addWatch (c: ZkClient, path: string, mode: number) {
  return c.request({ type: OpCode.addWatch, path, mode })
}

function watches (c: ZkClient, type: OpCode.checkWatches | OpCode.removeWatches, path: string, watcherType: number) {
  return c.request({ type, path, watcherType })
}

export function persistentWatchCases (t: Tap, addr: () => string): void {
  t.test('addWatch PERSISTENT: every change of exactly the path, children changes too, and it stays', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    const r = await addWatch(w, '/pp', 0)
    t.equal(r.err, Err.OK)
    t.equal(r.size, 20, 'the reply carries an ErrorResponse record (one int) after the header')
    await create(wr, '/pp', 0, bytes('1'))
    await setData(wr, '/pp', bytes('2'))
    await setData(wr, '/pp', bytes('3'))
    await create(wr, '/pp/c')
    await setData(wr, '/pp/c', bytes('x'))
    await del(wr, '/pp/c')
    await del(wr, '/pp')
    await create(wr, '/pp')
    await barrier(w)
    t.same(plain(events), [
      ev(EventType.NodeCreated, '/pp'),
      ev(EventType.NodeDataChanged, '/pp'),
      ev(EventType.NodeDataChanged, '/pp'),
      ev(EventType.NodeChildrenChanged, '/pp'),
      ev(EventType.NodeChildrenChanged, '/pp'),
      ev(EventType.NodeDeleted, '/pp'),
      ev(EventType.NodeCreated, '/pp')
    ], 'a grandchild\'s data change is not seen; one NodeDeleted for both tables')
  })

  t.test('addWatch PERSISTENT_RECURSIVE: the path and below, never NodeChildrenChanged, one event per session', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    t.equal((await addWatch(w, '/pr', 1)).err, Err.OK)
    await create(wr, '/pr')
    await create(wr, '/pr/a')
    await create(wr, '/pr/a/b', 0, bytes('1'))
    await create(wr, '/prx')
    t.equal((await getData(w, '/pr/a/b', true)).err, Err.OK, 'a one-shot watch on a node the recursive one covers')
    await setData(wr, '/pr/a/b', bytes('2'))
    await setData(wr, '/pr/a/b', bytes('3'))
    await del(wr, '/pr/a/b')
    await barrier(w)
    t.same(plain(events), [
      ev(EventType.NodeCreated, '/pr'),
      ev(EventType.NodeCreated, '/pr/a'),
      ev(EventType.NodeCreated, '/pr/a/b'),
      ev(EventType.NodeDataChanged, '/pr/a/b'),
      ev(EventType.NodeDataChanged, '/pr/a/b'),
      ev(EventType.NodeDeleted, '/pr/a/b')
    ])
  })

  t.test('a later one-shot registration replaces a persistent one in its table', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/pm', 0, bytes('1'))
    await addWatch(w, '/pm', 0)
    await getData(w, '/pm', true)
    await setData(wr, '/pm', bytes('2'))
    await setData(wr, '/pm', bytes('3'))
    await create(wr, '/pm/k')
    await barrier(w)
    t.same(plain(events), [
      ev(EventType.NodeDataChanged, '/pm'),
      ev(EventType.NodeChildrenChanged, '/pm')
    ], 'the data watch became one-shot; the child table kept PERSISTENT')
  })

  t.test('checkWatches and removeWatches: the server answers, the client makes any *WatchRemoved event', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const other = await s.client()
    const events = collect(w)
    await create(other, '/pc')
    t.equal((await watches(w, OpCode.checkWatches, '/pc', 3)).err, Err.NOWATCHER)
    t.equal((await watches(w, OpCode.removeWatches, '/pc', 3)).err, Err.NOWATCHER)
    await getData(w, '/pc', true)
    t.equal((await watches(w, OpCode.checkWatches, '/pc', 1)).err, Err.NOWATCHER, 'no child watch')
    const c = await watches(w, OpCode.checkWatches, '/pc', 2)
    t.equal(c.err, Err.OK)
    t.equal(c.size, 16, 'checkWatches reply is the header alone')
    t.equal((await watches(other, OpCode.checkWatches, '/pc', 2)).err, Err.OK, 'ZooKeeper 3.8.0 answers for any session\'s watch on the path')
    t.equal((await watches(other, OpCode.removeWatches, '/pc', 2)).err, Err.NOWATCHER, 'but removes only the asker\'s own')
    const r = await watches(w, OpCode.removeWatches, '/pc', 3)
    t.equal(r.err, Err.OK)
    t.equal(r.size, 16, 'removeWatches reply is the header alone')
    await setData(other, '/pc', bytes('x'))
    await barrier(w)
    t.same(events, [], 'removed, and the server sent no DataWatchRemoved')

    await addWatch(w, '/pc', 1)
    t.equal((await watches(w, OpCode.removeWatches, '/pc', 2)).err, Err.OK, 'data table only')
    await create(other, '/pc/k')
    await barrier(w)
    t.same(events, [], 'the recursive data registration is gone; the child one never sees children changes')
    t.equal((await watches(w, OpCode.checkWatches, '/pc', 1)).err, Err.OK)
    t.equal((await watches(w, OpCode.removeWatches, '/pc', 1)).err, Err.OK)
    t.equal((await watches(w, OpCode.checkWatches, '/pc', 3)).err, Err.NOWATCHER)
    t.equal((await watches(w, OpCode.checkWatches, '/pc', 9)).err, Err.MARSHALLINGERROR, 'an unknown watcher type')
    t.equal((await addWatch(w, '/pc', 7)).err, Err.MARSHALLINGERROR, 'an unknown mode')
    t.equal((await getData(w, '/pc')).err, Err.OK, 'the connection stays up')
  })

  t.test('setWatches2: persistent lists are re-registered without events', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/ps', 0, bytes('1'))
    await create(wr, '/ps/k', 0, bytes('1'))
    const r = await w.request({
      type: OpCode.setWatches2,
      relativeZxid: 1,
      dataWatches: [],
      existWatches: [],
      childWatches: [],
      persistentWatches: ['/ps'],
      persistentRecursiveWatches: ['/ps/k']
    }, { xid: -8 })
    t.equal(r.err, Err.OK)
    t.equal(r.size, 16)
    await barrier(w)
    t.same(events, [], 'nothing fires for persistent lists, however old relativeZxid is')
    await setData(wr, '/ps', bytes('2'))
    await create(wr, '/ps/k/j')
    await setData(wr, '/ps/k', bytes('2'))
    await barrier(w)
    t.same(plain(events), [
      ev(EventType.NodeDataChanged, '/ps'),
      ev(EventType.NodeCreated, '/ps/k/j'),
      ev(EventType.NodeDataChanged, '/ps/k')
    ])
  })
}
