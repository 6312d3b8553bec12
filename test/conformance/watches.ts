// Conformance: one-shot watches. Which event each watch type gets, that it
// fires once, and where it lands relative to replies on the same connection.
// "No event" is asserted after a barrier (a round trip), never after a sleep.

import { Err, EventType, OpCode } from '../../src/engine/codes'
import {
  Session, barrier, bytes, collect, create, del, ev, exists, getChildren, getChildren2, getData, plain,
  setData, type Tap
} from './helpers'

export function watchCases (t: Tap, addr: () => string): void {
  t.test('data watch (getData): NodeDataChanged once', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/wd', 0, bytes('1'))
    t.equal((await getData(w, '/wd', true)).err, Err.OK)
    await setData(wr, '/wd', bytes('2'))
    await barrier(w)
    t.same(plain(events), [ev(EventType.NodeDataChanged, '/wd')])
    t.equal(events[0].zxid, -1, 'a notification header carries zxid -1')
    await setData(wr, '/wd', bytes('3'))
    await barrier(w)
    t.equal(events.length, 1, 'a watch fires once')

    // getData and exists on the same node share one data watch per session.
    await getData(w, '/wd', true)
    await exists(w, '/wd', true)
    await setData(wr, '/wd', bytes('4'))
    await barrier(w)
    t.same(plain(events.slice(1)), [ev(EventType.NodeDataChanged, '/wd')], 'two data watches from one session → one event')

    await getData(w, '/wd', true)
    await del(wr, '/wd')
    await barrier(w)
    t.same(plain(events.slice(2)), [ev(EventType.NodeDeleted, '/wd')], 'a delete fires NodeDeleted to a data watch')

    t.equal((await getData(w, '/wd', true)).err, Err.NONODE)
    await create(wr, '/wd')
    await barrier(w)
    t.equal(events.length, 3, 'getData on a missing node leaves no watch')
  })

  t.test('exists watch: NodeCreated on a missing node, NodeDataChanged/NodeDeleted on an existing one', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    t.equal((await exists(w, '/we', true)).err, Err.NONODE, 'exists on a missing node…')
    await create(wr, '/we', 0, bytes('a'))
    await barrier(w)
    t.same(plain(events), [ev(EventType.NodeCreated, '/we')], '…still sets a watch: NodeCreated')

    await exists(w, '/we', true)
    await setData(wr, '/we', bytes('b'))
    await barrier(w)
    t.same(plain(events.slice(1)), [ev(EventType.NodeDataChanged, '/we')])

    await exists(w, '/we', true)
    await create(wr, '/we/kid')
    await barrier(w)
    t.equal(events.length, 2, 'a child create is not a data change')
    await del(wr, '/we/kid')
    await del(wr, '/we')
    await barrier(w)
    t.same(plain(events.slice(2)), [ev(EventType.NodeDeleted, '/we')])
  })

  t.test('child watch: NodeChildrenChanged on child create and delete only', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/wc')
    t.same((await getChildren(w, '/wc', true)).body?.children, [])
    await setData(wr, '/wc', bytes('x'))
    await barrier(w)
    t.same(events, [], 'setData on the parent does not fire a child watch')
    await create(wr, '/wc/a')
    await barrier(w)
    t.same(plain(events), [ev(EventType.NodeChildrenChanged, '/wc')])
    await create(wr, '/wc/b')
    await barrier(w)
    t.equal(events.length, 1, 'fires once')

    await getChildren2(w, '/wc', true)
    await setData(wr, '/wc/a', bytes('y'))
    await barrier(w)
    t.equal(events.length, 1, 'a child\'s data change is not a children change')
    await del(wr, '/wc/a')
    await barrier(w)
    t.same(plain(events.slice(1)), [ev(EventType.NodeChildrenChanged, '/wc')], 'getChildren2 watches too; delete fires it')
    t.equal((await getChildren(w, '/wc/none', true)).err, Err.NONODE)
  })

  t.test('delete of a node with a data and a child watch: one NodeDeleted', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/wx')
    await create(wr, '/wx/n')
    await getData(w, '/wx/n', true)
    await getChildren(w, '/wx/n', true)
    await getChildren(w, '/wx', true)
    await del(wr, '/wx/n')
    await barrier(w)
    const got = plain(events)
    t.equal(got.filter((e) => e.path === '/wx/n').length, 1, 'one event for the deleted node')
    t.same(got.find((e) => e.path === '/wx/n'), ev(EventType.NodeDeleted, '/wx/n'))
    t.same(got.find((e) => e.path === '/wx'), ev(EventType.NodeChildrenChanged, '/wx'), 'and the parent\'s child watch fires')
    t.equal(got.length, 2)
  })

  t.test('the watch event precedes the reply of the write that fired it', async (t) => {
    const s = new Session(t, addr)
    const c = await s.client()
    await create(c, '/wo', 0, bytes('1'))
    await getData(c, '/wo', true)
    await getChildren(c, '/wo', true)
    c.messages.length = 0
    await setData(c, '/wo', bytes('2'))
    await create(c, '/wo/k')
    t.same(c.messages.map((m) => m.kind === 'watch' ? `watch ${m.type} ${m.path}` : `${m.kind} ${m.kind === 'reply' ? m.opcode : ''}`), [
      `watch ${EventType.NodeDataChanged} /wo`,
      `reply ${OpCode.setData}`,
      `watch ${EventType.NodeChildrenChanged} /wo`,
      `reply ${OpCode.create}`
    ])
  })

  t.test('closeSession deletes ephemerals and fires their watches', async (t) => {
    const s = new Session(t, addr)
    const owner = await s.client()
    const w = await s.client()
    const events = collect(w)
    await create(w, '/wq')
    await create(owner, '/wq/eph', 1)
    await create(owner, '/wq/eph2', 1)
    await exists(w, '/wq/eph', true)
    await getChildren(w, '/wq', true)
    const closed = await owner.close()
    t.equal(closed.err, Err.OK)
    t.equal(closed.size, 16, 'closeSession reply has no body')
    t.ok(owner.closed)
    await barrier(w)
    t.same(plain(events).sort((a, b) => a.path.localeCompare(b.path)), [
      ev(EventType.NodeChildrenChanged, '/wq'),
      ev(EventType.NodeDeleted, '/wq/eph')
    ])
    t.same((await getChildren(w, '/wq')).body?.children, [], 'every ephemeral of the session is gone')
  })

  t.test('setWatches: fires what changed since relativeZxid, re-arms the rest', async (t) => {
    const s = new Session(t, addr)
    const w = await s.client()
    const wr = await s.client()
    const events = collect(w)
    await create(wr, '/sw')
    await create(wr, '/sw/changed', 0, bytes('v1'))
    await create(wr, '/sw/same', 0, bytes('v1'))
    await create(wr, '/sw/gone')
    await create(wr, '/sw/quiet')
    const since = (await exists(w, '/sw')).zxid

    await setData(wr, '/sw/changed', bytes('v2'))
    await del(wr, '/sw/gone')
    await create(wr, '/sw/new')

    w.messages.length = 0
    const r = await w.request({
      type: OpCode.setWatches,
      relativeZxid: since,
      dataWatches: ['/sw/changed', '/sw/same', '/sw/gone'],
      existWatches: ['/sw/new', '/sw/absent'],
      childWatches: ['/sw', '/sw/quiet'],
      persistentWatches: [],
      persistentRecursiveWatches: []
    }, { xid: -8 })
    t.equal(r.err, Err.OK)
    t.equal(r.xid, -8, 'the reply echoes the SET_WATCHES xid')
    t.equal(r.size, 16, 'setWatches reply has no body')
    t.same(plain(events), [
      ev(EventType.NodeDataChanged, '/sw/changed'),
      ev(EventType.NodeDeleted, '/sw/gone'),
      ev(EventType.NodeCreated, '/sw/new'),
      ev(EventType.NodeChildrenChanged, '/sw')
    ], 'data, then exist, then child watches, in request order')
    t.equal(w.messages[w.messages.length - 1].kind, 'reply', 'the events precede the setWatches reply')

    await setData(wr, '/sw/same', bytes('v2'))
    await create(wr, '/sw/absent')
    await create(wr, '/sw/quiet/k')
    await barrier(w)
    t.same(plain(events.slice(4)), [
      ev(EventType.NodeDataChanged, '/sw/same'),
      ev(EventType.NodeCreated, '/sw/absent'),
      ev(EventType.NodeChildrenChanged, '/sw/quiet')
    ], 'unchanged paths were re-armed')
  })
}
