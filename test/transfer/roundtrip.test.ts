import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateFlag, Err, OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { startRedkeeper } from '../support/redkeeper'
import { ADMIN_AUTH, buildTree, cli, differences, walk, withoutEphemerals } from './helpers'

// export → file → import between two embedded redkeepers, through the
// shipped command: the target equals the source node for node (data, ACLs,
// child sets), ephemerals marked in the file and left out (or created
// persistent on request), sequential parents lifted, existing targets
// refused / kept / overwritten as asked.

t.setTimeout(120_000)

const dir = mkdtempSync(join(tmpdir(), 'rk-transfer-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('round trip embedded → file → embedded', async (t) => {
  const [a, b] = await Promise.all([startRedkeeper(), startRedkeeper()])
  t.teardown(async () => { await Promise.all([a.destroy(), b.destroy()]) })
  const built = await buildTree(a.address, 5000)
  t.teardown(async () => { await built.client.close().catch(() => {}) })
  const file = join(dir, 'a.jsonl')

  const exp = await cli(['export', '--server', a.address, '--file', file, '--auth', ADMIN_AUTH])
  t.equal(exp.code, 0, `export exits 0 (${exp.stderr})`)
  t.equal(exp.stdout, '')
  t.match(exp.stderr, /redkeeper export: 5001 znodes from zk:\/\/127\.0\.0\.1:\d+\/ to .*a\.jsonl in [\d.]+ s/)

  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(lines[0], { format: 'redkeeper-tree', version: 1, source: `zk://${a.address}/`, zxid: /^0x[0-9a-f]+$/ })
  t.same(lines[lines.length - 1], { end: true, znodes: 5001, zxid: lines[lines.length - 1].zxid })
  const byPath = new Map(lines.slice(1, -1).map((l) => [l.path as string, l]))
  t.equal(byPath.size, 5001, 'one line per znode, the root included')
  t.equal(lines[1].path, '/', 'the root comes first')
  t.notOk(byPath.has('/zookeeper'), '/zookeeper is left out')
  const ephemerals = [...byPath.values()].filter((l) => l.ephemeral === true)
  t.equal(ephemerals.length, built.ephemerals, 'every ephemeral is marked')
  t.match(byPath.get('/hbase/master'), { ephemeral: true, kind: 'ephemeral', stat: { ephemeralOwner: `0x${built.client.sessionIdBig.toString(16)}` } })
  t.match(byPath.get('/data/null'), { data: null })
  t.match(byPath.get('/data/empty'), { data: '' })
  // ZooKeeper's copyStat hides the container marker from clients: a container reads as persistent.
  t.match(byPath.get('/containers'), { kind: 'persistent', stat: { ephemeralOwner: '0x0' } })
  t.match(byPath.get('/secure/s0'), { acl: [{ perms: 31, scheme: 'digest', id: /^admin:.{27}=$/ }] })
  const order = [...byPath.keys()]
  const index = new Map(order.map((p, i) => [p, i]))
  t.ok(order.every((p) => p === '/' || (index.get(p.slice(0, p.lastIndexOf('/')) || '/') ?? Infinity) < (index.get(p) as number)), 'every parent comes before its children')

  const imp = await cli(['import', '--server', b.address, '--file', file])
  t.equal(imp.code, 0, `import exits 0 (${imp.stderr})`)
  t.match(imp.stderr, new RegExp(`5001 znodes from .*a\\.jsonl to zk://${b.address}/ in [\\d.]+ s: ${5000 - built.ephemerals} created, ${built.ephemerals} ephemerals left out, 1 sequence counters lifted`))

  const [src, dst] = await Promise.all([walk(a.address, ADMIN_AUTH), walk(b.address, ADMIN_AUTH)])
  const expected = withoutEphemerals(src)
  t.equal(dst.size, expected.size, `${expected.size} znodes on the target`)
  t.same(differences(expected, dst), [], 'the target equals the source without its ephemerals, node for node')
  t.same(differences(dst, expected), [])

  // The queue had 400 sequential items (suffixes 0..399) with 130 deleted:
  // a new item must sort after every imported one.
  const c = await ZkClient.connect(b.address)
  t.teardown(async () => { await c.close().catch(() => {}) })
  const q = await c.request({ type: OpCode.create, path: '/queue/item-', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: CreateFlag.PERSISTENT_SEQUENTIAL })
  t.equal(q.err, Err.OK, 'a new sequential create succeeds')
  const imported = expected.get('/queue')?.children ?? []
  t.ok(imported.every((n) => n < (q.body?.path ?? '').slice('/queue/'.length)), `new item ${q.body?.path ?? ''} sorts after the imported ${imported[imported.length - 1]}`)
  const lock = await c.request({ type: OpCode.create, path: '/locks/lock-', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: CreateFlag.PERSISTENT_SEQUENTIAL })
  t.equal(lock.err, Err.OK)
  t.ok((expected.get('/locks')?.children ?? []).every((n) => n.slice(-10) < (lock.body?.path ?? '').slice(-10)), `new lock ${lock.body?.path ?? ''} is numbered after the imported ones`)
  await c.request({ type: OpCode.delete, path: q.body?.path ?? '', version: -1 })
  await c.request({ type: OpCode.delete, path: lock.body?.path ?? '', version: -1 })
  const leftovers = (await walk(b.address, ADMIN_AUTH))
  t.notOk([...leftovers.keys()].some((p) => p.includes('.redkeeper-import-filler-')), 'no filler znode is left behind')

  // A second import into the same target.
  const again = await cli(['import', '--server', b.address, '--file', file])
  t.equal(again.code, 1, 'importing onto a target that has the tree fails')
  t.match(again.stderr, /^redkeeper: the target 127\.0\.0\.1:\d+ already has \/\w+ \(and \d+ more\): nothing written; pass --existing skip or --existing overwrite\n$/)

  const w = await c.request({ type: OpCode.setData, path: '/wide/w7', data: Buffer.from('changed on the target'), dataLength: 21, version: -1 })
  t.equal(w.err, Err.OK)
  const skip = await cli(['import', '--server', b.address, '--file', file, '--existing', 'skip'])
  t.equal(skip.code, 0, `--existing skip exits 0 (${skip.stderr})`)
  t.match(skip.stderr, /0 created, 4\d\d\d already there, kept/)
  t.equal((await walk(b.address, ADMIN_AUTH)).get('/wide/w7')?.data, Buffer.from('changed on the target').toString('base64'), 'skip keeps the target\'s data')

  const over = await cli(['import', '--server', b.address, '--file', file, '--existing', 'overwrite', '--auth', ADMIN_AUTH])
  t.equal(over.code, 0, `--existing overwrite exits 0 (${over.stderr})`)
  t.match(over.stderr, /0 created, 4\d\d\d overwritten/)
  t.same(differences(expected, await walk(b.address, ADMIN_AUTH)), [], 'overwrite restores the source\'s data')

  // A counter that would take more fillers than allowed: the tree is copied, the exit code says the counter is not.
  await c.request({ type: OpCode.create, path: '/limited', data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
  const capped = await cli(['import', '--server', `${b.address}/limited`, '--file', file, '--max-fill', '10'])
  t.equal(capped.code, 1, '--max-fill too small exits 1')
  t.match(capped.stderr, /^redkeeper: lifting the sequence counter of \/limited\/queue to 400 takes 129 more filler creates, over the budget \(--max-fill 10\): a sequential create there may collide with an imported name\n$/)
})

t.test('--include-ephemerals creates them as persistent znodes; chroots on both sides', async (t) => {
  const [a, b] = await Promise.all([startRedkeeper(), startRedkeeper()])
  t.teardown(async () => { await Promise.all([a.destroy(), b.destroy()]) })
  const built = await buildTree(a.address, 5000)
  t.teardown(async () => { await built.client.close().catch(() => {}) })
  const file = join(dir, 'hbase.jsonl')

  const exp = await cli(['export', '--server', `zk://${a.address}/hbase`, '--file', file, '--quiet'])
  t.equal(exp.code, 0, exp.stderr)
  t.equal(exp.stderr, '', '--quiet prints nothing')
  const c = await ZkClient.connect(b.address)
  t.teardown(async () => { await c.close().catch(() => {}) })
  const imp = await cli(['import', '--server', `${b.address}/copy/hbase`, '--file', file, '--include-ephemerals'])
  t.equal(imp.code, 0, imp.stderr)
  t.match(imp.stderr, /to zk:\/\/127\.0\.0\.1:\d+\/copy\/hbase in [\d.]+ s: \d+ created, 41 ephemerals created persistent/)

  const src = await walk(a.address, ADMIN_AUTH)
  const dst = await walk(b.address, ADMIN_AUTH)
  const master = await c.request({ type: OpCode.getData, path: '/copy/hbase/master', watch: false })
  t.equal(master.err, Err.OK)
  t.equal(master.body?.stat?.ephemeralOwner, 0, 'the source\'s ephemeral is persistent on the target')
  t.equal(Buffer.from(master.body?.data ?? []).toString('base64'), src.get('/hbase/master')?.data)
  t.same(dst.get('/copy/hbase')?.children, src.get('/hbase')?.children, 'the chroot\'s children, ephemerals included')
  t.same(dst.get('/copy/hbase/rs')?.children, src.get('/hbase/rs')?.children)
  t.notOk(dst.has('/hbase'), 'nothing outside the target chroot')
  const rebased = new Map([...src].filter(([p]) => p === '/hbase' || p.startsWith('/hbase/')).map(([p, v]) => [`/copy${p}`, v]))
  const copied = new Map([...dst].filter(([p]) => p.startsWith('/copy/')))
  t.equal(copied.size, rebased.size)
  t.same(differences(rebased, copied), [], 'the subtree, node for node, ephemerals included')
  t.same(dst.get('/copy'), { data: '', acl: JSON.stringify([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]), children: ['hbase'], ephemeral: false }, 'the missing chroot was made: persistent, empty, open')
})
