import t from 'tap'
import { StoreStateError } from '../../../src/stores/embedded'
import { openStore, tempDir, znode } from './fixtures/helpers'

t.test('znodes: put, get, replace, delete; null data is not empty data', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  t.equal(store.getNode('/a'), undefined)
  const { seq } = store.transact(() => {
    store.putNode('/', znode(null))
    store.putNode('/a', znode(null))
    store.putNode('/b', znode(Buffer.alloc(0)))
    store.putNode('/c', znode(Buffer.from('hello')))
  })
  t.equal(seq, 1, 'first record')
  t.equal(store.getNode('/a')?.data, null, 'null data stays null')
  t.same(store.getNode('/b')?.data, Buffer.alloc(0), 'empty data stays empty')
  t.not(store.getNode('/b')?.data, null)
  t.same(store.getNode('/c')?.data, Buffer.from('hello'))
  t.equal(store.stats().approximateDataSize, 1 + 2 + 2 + 2 + 5, 'path lengths + data lengths, as ZooKeeper counts')

  store.transact(() => store.putNode('/c', znode(Buffer.from('hi'), { version: 1 })))
  t.equal(store.getNode('/c')?.version, 1, 'replaced')
  t.equal(store.stats().approximateDataSize, 1 + 2 + 2 + 2 + 2)
  store.transact(() => store.deleteNode('/c'))
  t.equal(store.getNode('/c'), undefined, 'deleted')
  t.equal(store.stats().nodeCount, 3)
  t.equal(store.stats().approximateDataSize, 1 + 2 + 2)
})

t.test('children: add, remove, names only, deleteNode drops the set', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  t.same(store.getChildren('/'), [], 'no children of an unknown path')
  store.transact(() => {
    store.addChild('/', 'a')
    store.addChild('/', 'b')
    store.addChild('/', 'a')
    store.addChild('/a', 'x')
  })
  t.same(store.getChildren('/').sort(), ['a', 'b'], 'a set: adding twice keeps one')
  store.transact(() => store.removeChild('/', 'a'))
  t.same(store.getChildren('/'), ['b'])
  store.transact(() => store.removeChild('/', 'nope'))
  t.same(store.getChildren('/'), ['b'], 'removing an absent name changes nothing')
  store.transact(() => store.deleteNode('/a'))
  t.same(store.getChildren('/a'), [], 'child set gone with the node')
})

t.test('zxid', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  t.equal(store.getZxid(), 0)
  store.transact(() => store.setZxid(42))
  t.equal(store.getZxid(), 42)
})

t.test('sessions, ephemerals, deadlines and expiry', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  const before = Date.now()
  store.transact(() => {
    store.putSession({ id: 7, timeout: 10_000, passwd: 'aa'.repeat(16) })
    store.putSession({ id: 8, timeout: 20_000, passwd: 'bb'.repeat(16) })
    store.addEphemeral(7, '/e1')
    store.addEphemeral(7, '/e2')
    store.addEphemeral(7, '/e2')
  })
  const after = Date.now()
  t.same(store.getSession(7), { id: 7, timeout: 10_000, passwd: 'aa'.repeat(16) })
  t.same(store.sessionIds().sort(), [7, 8])
  t.same(store.getEphemerals(7).sort(), ['/e1', '/e2'])
  t.same(store.getEphemerals(8), [])
  t.equal(store.stats().ephemeralCount, 2)

  // putSession gave each a deadline of (about) now + timeout
  t.same(store.expiredSessions(before + 9_999), [], 'nobody expires before its timeout')
  t.same(store.expiredSessions(after + 10_000), [7])
  t.same(store.expiredSessions(after + 20_000).sort(), [7, 8])

  store.touchSession(7, after + 15_000)
  t.same(store.expiredSessions(after + 20_000), [8], 'touch pushes the deadline to now + timeout')
  t.same(store.expiredSessions(after + 25_000).sort(), [7, 8], 'deadline is inclusive')
  store.touchSession(99, 0)
  t.same(store.expiredSessions(Number.MAX_SAFE_INTEGER).sort(), [7, 8], 'touching an unknown session creates nothing')

  store.transact(() => store.removeEphemeral(7, '/e1'))
  t.same(store.getEphemerals(7), ['/e2'])
  store.transact(() => store.deleteSession(7))
  t.equal(store.getSession(7), undefined)
  t.same(store.getEphemerals(7), [], 'its ephemeral set goes with it')
  t.equal(store.stats().ephemeralCount, 0)
  t.same(store.expiredSessions(Number.MAX_SAFE_INTEGER), [8], 'and its deadline')
  t.equal(store.stats().sessionCount, 1)
})

t.test('watches: one-shot, per kind, dropWatches, never logged', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  store.addWatch('data', '/a', 1)
  store.addWatch('data', '/a', 2)
  store.addWatch('data', '/a', 2)
  store.addWatch('child', '/a', 1)
  store.addWatch('data', '/b', 1)
  t.equal(store.stats().watchCount, 4, 'a session watches a path once per table')
  t.equal(store.appliedSeq, 0, 'watches are not logged (and need no transaction)')
  t.same(store.takeWatchers('data', '/a').sort(), [1, 2])
  t.same(store.takeWatchers('data', '/a'), [], 'one-shot')
  t.same(store.takeWatchers('child', '/a'), [1], 'the child table is separate')
  store.addWatch('data', '/a', 1)
  store.addWatch('child', '/c', 1)
  store.addWatch('child', '/c', 3)
  store.dropWatches(1)
  t.same(store.takeWatchers('data', '/a'), [])
  t.same(store.takeWatchers('data', '/b'), [])
  t.same(store.takeWatchers('child', '/c'), [3], 'other sessions keep theirs')
  t.equal(store.stats().watchCount, 0)
})

t.test('transact: one record per call, nesting, outside calls refused, throw undoes', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t), fsync: false })
  t.throws(() => store.putNode('/x', znode(null)), StoreStateError, 'a mutation outside transact would bypass the log')
  t.throws(() => store.setZxid(1), StoreStateError)

  const read = store.transact(() => store.getNode('/'))
  t.same(read, { result: undefined, seq: 0 }, 'no mutation, no record')

  const outer = store.transact(() => {
    store.putNode('/', znode(null))
    const inner = store.transact(() => {
      store.putNode('/n', znode(null))
      return 'inner'
    })
    t.same(inner, { result: 'inner', seq: 1 }, 'the inner call reports the seq of the record it joins')
    const none = store.transact(() => 0)
    t.equal(none.seq, 0, 'an inner call that mutates nothing')
    return 'outer'
  })
  t.same(outer, { result: 'outer', seq: 1 }, 'nested calls make one record')
  t.equal(store.appliedSeq, 1)

  const boom = new Error('boom')
  t.throws(() =>
    store.transact(() => {
      store.putNode('/gone', znode(null))
      store.putNode('/n', znode(Buffer.from('changed')))
      store.deleteNode('/')
      store.addChild('/', 'gone')
      store.setZxid(99)
      store.putSession({ id: 5, timeout: 1000, passwd: 'p' })
      store.addEphemeral(5, '/gone')
      throw boom
    }),
  )
  t.equal(store.getNode('/gone'), undefined, 'undone: put')
  t.equal(store.getNode('/n')?.data, null, 'undone: replace')
  t.not(store.getNode('/'), undefined, 'undone: delete')
  t.same(store.getChildren('/'), [], 'undone: addChild')
  t.equal(store.getZxid(), 0, 'undone: setZxid')
  t.equal(store.getSession(5), undefined, 'undone: putSession')
  t.same(store.expiredSessions(Number.MAX_SAFE_INTEGER), [], 'undone: the deadline putSession set')
  t.same(store.getEphemerals(5), [], 'undone: addEphemeral')
  t.equal(store.appliedSeq, 1, 'nothing logged')

  // an inner throw caught by the outer fn undoes only the inner part
  const r = store.transact(() => {
    store.setZxid(3)
    try {
      store.transact(() => {
        store.setZxid(4)
        throw boom
      })
    } catch {
      // swallowed on purpose
    }
    return store.getZxid()
  })
  t.same(r, { result: 3, seq: 2 })

  // a value the log cannot carry is refused before anything changes
  t.throws(() => store.transact(() => store.putNode('/bad', znode(null, { version: 2 ** 31 }))), RangeError)
  t.equal(store.getNode('/bad'), undefined)
  t.equal(store.appliedSeq, 2)
  await store.whenDurable(2)
  t.equal(store.durableSeq, 2)
})

t.test('whenDurable, the durable event, and close', async (t) => {
  const store = await openStore(t, { dataDir: tempDir(t) })
  const seen: number[] = []
  store.on('durable', (seq: number) => seen.push(seq))
  let last = 0
  for (let i = 1; i <= 50; i++) last = store.transact(() => store.setZxid(i)).seq
  t.equal(store.appliedSeq, 50)
  t.ok(store.durableSeq < 50, 'not durable before the fsync')
  const order: number[] = []
  await Promise.all([store.whenDurable(10).then(() => order.push(10)), store.whenDurable(last).then(() => order.push(last))])
  t.same(order, [10, 50], 'waiters resolve in seq order')
  t.equal(store.durableSeq, 50)
  t.equal(seen[seen.length - 1], 50, "'durable' reported the last seq")
  t.ok(seen.length < 50, `group commit: 50 records in ${seen.length} fsync round(s)`)
  await t.rejects(store.whenDurable(51), RangeError, 'a record that does not exist')

  const more = store.transact(() => store.setZxid(51)).seq
  const pending = store.whenDurable(more)
  await store.close()
  await pending
  t.equal(store.durableSeq, 51, 'close finishes pending commits')
  await store.close()
  t.pass('close is idempotent')
  t.throws(() => store.transact(() => store.setZxid(1)), StoreStateError)
  await t.rejects(store.snapshot(), StoreStateError)
})
