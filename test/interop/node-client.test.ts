import t from 'tap'
import { codeOf, EVENT, MODE, NodeZk, nextEvent, type ZkError } from '../support/nodezk'
import { targets } from '../support/targets'

// node-zookeeper-client, the common pure-JS client, against each target:
// reads, writes, versions, error codes, ephemerals, every watch kind, multi.

const NO_NODE = -101
const BAD_VERSION = -103
const NO_CHILDREN_FOR_EPHEMERALS = -108
const NODE_EXISTS = -110
const NOT_EMPTY = -111
const RUNTIME_INCONSISTENCY = -2
const OP_ERROR = -1 // the op type the server puts in each result of a failed multi

const P = '/nodeclient'
const buf = (s: string): Buffer => Buffer.from(s)
const str = (b: Buffer | null): string | null => (b === null ? null : b.toString())

for (const target of targets()) {
  t.test(target.name, async (t) => {
    const server = await target.start()
    t.teardown(() => server.stop())
    const zk = await NodeZk.connect(server.address)
    t.teardown(() => zk.close())

    t.test('create, get, set with versions, delete', async (t) => {
      t.equal(await zk.create(P, buf('v0')), P)
      let { data, stat } = await zk.getData(P)
      t.equal(str(data), 'v0')
      t.equal(stat.version, 0)
      t.equal(stat.dataLength, 2)
      t.equal(stat.numChildren, 0)
      t.same(stat.ephemeralOwner, Buffer.alloc(8), 'persistent: no owner')
      t.same(stat.czxid, stat.mzxid)

      const s1 = await zk.setData(P, buf('v1'), 0)
      t.equal(s1.version, 1)
      t.not(s1.mzxid.toString('hex'), stat.mzxid.toString('hex'), 'a write gets a new zxid')
      t.equal(await codeOf(zk.setData(P, buf('stale'), 0)), BAD_VERSION)
      ;({ data, stat } = await zk.getData(P))
      t.equal(str(data), 'v1', 'the refused write changed nothing')
      t.equal(stat.version, 1)

      t.equal(await codeOf(zk.create(P, buf('again'))), NODE_EXISTS)
      t.equal(await codeOf(zk.getData(`${P}/none`)), NO_NODE)
      t.equal(await codeOf(zk.create(`${P}/none/child`)), NO_NODE, 'no parent')
      t.equal(await codeOf(zk.setData(`${P}/none`, buf('x'))), NO_NODE)

      await zk.create(`${P}/b`, buf('b'))
      await zk.create(`${P}/a`, buf('a'))
      const kids = await zk.getChildren(P)
      t.same(kids.children.sort(), ['a', 'b'])
      t.equal(kids.stat.numChildren, 2)
      t.equal(kids.stat.cversion, 2)
      t.equal(await codeOf(zk.remove(P)), NOT_EMPTY)
      t.equal(await codeOf(zk.remove(`${P}/a`, 5)), BAD_VERSION)
      await zk.remove(`${P}/a`, 0)
      t.equal(await zk.exists(`${P}/a`), null)
      t.equal(await codeOf(zk.remove(`${P}/a`)), NO_NODE)
      const after = await zk.exists(P)
      t.equal(after?.numChildren, 1)
    })

    t.test('null data stays distinct from empty data', async (t) => {
      await zk.create(`${P}/null`)
      await zk.create(`${P}/empty`, Buffer.alloc(0))
      const n = await zk.getData(`${P}/null`)
      const e = await zk.getData(`${P}/empty`)
      t.equal(n.data, null, 'created without data: reads back as null')
      t.equal(n.stat.dataLength, 0)
      t.same(e.data, Buffer.alloc(0), 'created with empty data: reads back as empty')
      t.equal(e.stat.dataLength, 0)
      // (node-zookeeper-client cannot send setData with null data.)
      await zk.setData(`${P}/null`, buf('x'))
      await zk.setData(`${P}/null`, Buffer.alloc(0))
      t.same((await zk.getData(`${P}/null`)).data, Buffer.alloc(0), 'set to empty: reads back as empty')
      await zk.remove(`${P}/null`)
      await zk.remove(`${P}/empty`)
    })

    t.test('sequential nodes', async (t) => {
      await zk.create(`${P}/q`)
      const names: string[] = []
      for (let i = 0; i < 3; i++) names.push(await zk.create(`${P}/q/item-`, buf(String(i)), MODE.PERSISTENT_SEQUENTIAL))
      t.same(names, [`${P}/q/item-0000000000`, `${P}/q/item-0000000001`, `${P}/q/item-0000000002`])
      await zk.remove(`${P}/q/item-0000000001`)
      t.equal(await zk.create(`${P}/q/item-`, null, MODE.PERSISTENT_SEQUENTIAL), `${P}/q/item-0000000003`)
    })

    t.test('ephemerals belong to their session', async (t) => {
      const other = await NodeZk.connect(server.address)
      t.teardown(() => other.close())
      t.not(other.sessionIdHex, zk.sessionIdHex)
      await other.create(`${P}/eph`, buf('e'), MODE.EPHEMERAL)
      const seq = await other.create(`${P}/eph-`, null, MODE.EPHEMERAL_SEQUENTIAL)
      t.match(seq, /^\/nodeclient\/eph-\d{10}$/)
      const stat = await zk.exists(`${P}/eph`)
      t.equal(stat?.ephemeralOwner.toString('hex'), other.sessionIdHex, 'ephemeralOwner is the session id')
      t.equal(await codeOf(other.create(`${P}/eph/child`)), NO_CHILDREN_FOR_EPHEMERALS)

      const gone = nextEvent()
      t.ok(await zk.exists(`${P}/eph`, gone.watcher))
      await other.close()
      const ev = await gone.event
      t.equal(ev.type, EVENT.NODE_DELETED, 'a watcher sees the ephemeral go')
      t.equal(ev.path, `${P}/eph`)
      t.equal(await zk.exists(`${P}/eph`), null)
      t.equal(await zk.exists(seq), null)
    })

    t.test('resuming a session keeps its ephemerals', async (t) => {
      const first = await NodeZk.connect(server.address, { sessionTimeout: 30_000 })
      await first.create(`${P}/mine`, buf('m'), MODE.EPHEMERAL)
      first.abandon()
      // A new connection presenting the same id and password resumes the
      // session; the ephemeral must survive the handover.
      const second = await NodeZk.connect(server.address, { sessionId: first.sessionId, sessionPassword: first.sessionPassword })
      t.equal(second.sessionIdHex, first.sessionIdHex)
      t.equal(str((await second.getData(`${P}/mine`)).data), 'm')
      await second.close()
      t.equal(await zk.exists(`${P}/mine`), null, 'closing the resumed session removes it')
    })

    t.test('a wrong session password is refused', async (t) => {
      const first = await NodeZk.connect(server.address)
      t.teardown(() => first.close())
      const bad = Buffer.from(first.sessionPassword)
      bad[0] = (bad[0] as number) ^ 0xff
      await t.rejects(NodeZk.connect(server.address, { sessionId: first.sessionId, sessionPassword: bad, timeoutMs: 10_000 }), { code: -112 })
      // ZooKeeper 3.8 also drops the owner's connection when someone presents
      // a wrong password; its client reconnects with the session intact.
      let answered = false
      for (let i = 0; i < 50 && !answered; i++) {
        try {
          answered = (await first.exists('/')) !== null
        } catch (err) {
          if ((err as Partial<ZkError>).code !== -4) throw err // only CONNECTION_LOSS while it reconnects
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      t.ok(answered, 'the real owner keeps its session')
    })

    t.test('data, exists and child watches', async (t) => {
      const data = nextEvent()
      await zk.getData(P, data.watcher)
      const created = nextEvent()
      t.equal(await zk.exists(`${P}/w`, created.watcher), null)
      const kids = nextEvent()
      await zk.getChildren(P, kids.watcher)

      const writer = await NodeZk.connect(server.address)
      t.teardown(() => writer.close())
      await writer.setData(P, buf('changed'))
      t.same(await data.event, { type: EVENT.NODE_DATA_CHANGED, name: 'NODE_DATA_CHANGED', path: P })
      await writer.create(`${P}/w`, buf('w'))
      t.same(await created.event, { type: EVENT.NODE_CREATED, name: 'NODE_CREATED', path: `${P}/w` })
      t.same(await kids.event, { type: EVENT.NODE_CHILDREN_CHANGED, name: 'NODE_CHILDREN_CHANGED', path: P })

      const deleted = nextEvent()
      await zk.getData(`${P}/w`, deleted.watcher)
      await writer.remove(`${P}/w`)
      t.same(await deleted.event, { type: EVENT.NODE_DELETED, name: 'NODE_DELETED', path: `${P}/w` })
    })

    t.test('multi: all or nothing', async (t) => {
      const ok = await zk.multi((tx) => tx
        .create(`${P}/m1`, buf('one'))
        .create(`${P}/m2`, buf('two'))
        .setData(`${P}/m1`, buf('uno'), 0)
        .check(`${P}/m1`, 1)
        .remove(`${P}/m2`, 0))
      t.same(ok.map((r) => r.type), [1, 1, 5, 13, 2], 'create, create, setData, check, delete')
      t.equal(ok[0]?.path, `${P}/m1`)
      t.equal(ok[2]?.stat?.version, 1)
      t.equal(str((await zk.getData(`${P}/m1`)).data), 'uno')
      t.equal(await zk.exists(`${P}/m2`), null)

      // The third op fails: the first two must not be applied either.
      const err = await zk.multi((tx) => tx
        .create(`${P}/m3`, buf('three'))
        .setData(`${P}/m1`, buf('dos'), 1)
        .check(`${P}/m1`, 7)
        .remove(`${P}/m1`)).then(() => null, (e: unknown) => e as ZkError & { results?: Array<{ type: number, err?: number }> })
      t.ok(err !== null, 'the multi failed')
      t.equal(err?.code, BAD_VERSION)
      t.same(err?.results?.map((r) => [r.type, r.err]), [[OP_ERROR, 0], [OP_ERROR, 0], [OP_ERROR, BAD_VERSION], [OP_ERROR, RUNTIME_INCONSISTENCY]])
      t.equal(await zk.exists(`${P}/m3`), null, 'the create was rolled back')
      const m1 = await zk.getData(`${P}/m1`)
      t.equal(str(m1.data), 'uno', 'the setData was rolled back')
      t.equal(m1.stat.version, 1)
      await zk.remove(`${P}/m1`)
    })
  })
}
