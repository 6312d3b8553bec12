// The HBase views over REST keep every field the decoder produced: Fastify
// serializes replies with the route's response schema and silently drops a
// property the schema does not name. Every captured znode (both stages, plus
// damaged and unknown ones) is read through GET /v1/hbase/znodes/{path} and
// compared, strictly, with decodeHBaseZnode on the same bytes; the summary
// with summarizeHBase over the same tree. And /openapi.json documents the
// shapes.

import t from 'tap'
import { CreateFlag, Err, OpCode, Perm } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { decodeHBaseZnode, summarizeHBase, zkClientReader } from '../../src/hbase'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { loadFixture, type FixtureZnode } from './fixtures'

t.setTimeout(60_000)

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]

let rk: RedkeeperHandle
let c: ZkClient
t.before(async () => {
  rk = await startRedkeeper({ args: ['--no-fsync'] })
  c = await ZkClient.connect(rk.address, { timeout: 30_000 })
})
t.teardown(async () => {
  await c.close().catch(() => {})
  await rk.destroy()
})

const base = (): string => `http://127.0.0.1:${rk.httpPort}`
const url = (path: string): string => path.split('/').map(encodeURIComponent).join('/')

async function get (path: string): Promise<{ status: number, body: any }> {
  const res = await fetch(base() + path)
  return { status: res.status, body: await res.json() }
}

/** the znodes under `parent` instead of /hbase (parents first, as in a capture) */
async function load (znodes: readonly FixtureZnode[], parent: string): Promise<string[]> {
  await c.request({ type: OpCode.create, path: '/' + parent.split('/')[1], data: null, dataLength: -1, acl: OPEN, flags: 0 })
  const paths: string[] = []
  for (const z of znodes) {
    const path = parent + z.path.slice('/hbase'.length)
    const r = await c.request({ type: OpCode.create, path, data: z.data, dataLength: z.data === null ? -1 : z.data.length, acl: OPEN, flags: z.ephemeral ? CreateFlag.EPHEMERAL : 0 })
    if (r.err !== Err.OK) throw new Error(`create ${path}: ${r.err}`)
    paths.push(path)
  }
  return paths
}

const live = loadFixture('live')
const stopped = loadFixture('stopped')
// what no capture has: damaged values and paths HBase does not write
const odd: FixtureZnode[] = [
  { path: '/hbase', data: null, ephemeral: false },
  { path: '/hbase/master', data: Buffer.from([0xff, 0, 0, 0, 3, 0x61]), ephemeral: false },
  { path: '/hbase/hbaseid', data: Buffer.from('just a string'), ephemeral: false },
  { path: '/hbase/not-an-hbase-znode', data: Buffer.from('x'), ephemeral: false },
  { path: '/hbase/table', data: null, ephemeral: false },
  { path: '/hbase/table/broken', data: Buffer.from([0xff, 0, 0, 0, 0, 0x50, 0x42, 0x55, 0x46, 0x0f]), ephemeral: false }
]

t.test('every view over REST is exactly the decoder\'s, field for field', async (t) => {
  const kinds = new Set<string>()
  for (const [name, znodes] of [['live', live.znodes], ['stopped', stopped.znodes], ['odd', odd]] as const) {
    const parent = `/${name}/hbase`
    const paths = await load(znodes, parent)
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]
      const r = await get(`/v1/hbase/znodes${url(path)}?parent=${encodeURIComponent(parent)}`)
      if (r.status !== 200) {
        t.fail(`${path}: ${r.status} ${JSON.stringify(r.body)}`)
        continue
      }
      const expected = decodeHBaseZnode(path.slice(parent.length + 1), znodes[i].data)
      kinds.add(expected.kind)
      // strict: a field dropped by the serializer, or one turned into another type, fails here
      t.strictSame(r.body.view, JSON.parse(JSON.stringify(expected)), `${name}: ${path} (${expected.kind})`)
    }
    const summary = await get(`/v1/hbase?parent=${encodeURIComponent(parent)}`)
    t.equal(summary.status, 200)
    t.strictSame(summary.body, JSON.parse(JSON.stringify(await summarizeHBase(zkClientReader(c), parent))), `${name}: the summary`)
  }
  const want = ['master', 'backup-master', 'region-server', 'draining', 'meta-region-server', 'cluster-id', 'running', 'balancer',
    'normalizer', 'split', 'merge', 'snapshot-cleanup', 'table-state', 'namespace', 'replication-peer', 'replication-peer-state',
    'replication-wal-position', 'directory', 'unknown', 'invalid']
  t.strictSame(want.filter((k) => !kinds.has(k)), [], `the views compared cover these kinds (${[...kinds].sort().join(', ')})`)

  // the master view, spelled out: the fields an operator reads
  const m = await get(`/v1/hbase/znodes/live/hbase/master?parent=${encodeURIComponent('/live/hbase')}`)
  t.strictSame(Object.keys(m.body.view).sort(), ['infoPort', 'kind', 'path', 'rpcVersion', 'server', 'writer', 'znodeServer'])
  t.strictSame(Object.keys(m.body.view.server).sort(), ['host', 'name', 'port', 'startCode', 'startedAt'])
  t.equal(m.body.view.server.name, live.facts.master)
  t.match(m.body.view.writer, { id: /^master:/, salt: /^[0-9a-f]{16}$/ })
})

t.test('/openapi.json documents the view shapes', async (t) => {
  const doc = (await get('/openapi.json')).body
  const ok200 = (p: string): any => {
    const op = doc.paths[p]?.get
    const content = op?.responses?.['200']?.content
    return content?.['application/json']?.schema
  }
  const znodePath = Object.keys(doc.paths).find((p) => p.startsWith('/v1/hbase/znodes/'))
  t.ok(znodePath, 'the znode route is in the document')
  const view = ok200(znodePath as string).properties.view
  t.equal(view.anyOf.length, 16, 'one shape per kind of view')
  const master = view.anyOf.find((s: any) => s.properties.kind.enum.includes('master'))
  t.strictSame(master.required.sort(), ['infoPort', 'kind', 'path', 'rpcVersion', 'server', 'writer', 'znodeServer'])
  t.strictSame(Object.keys(master.properties.server.properties).sort(), ['host', 'name', 'port', 'startCode', 'startedAt'])
  const summary = ok200('/v1/hbase')
  t.strictSame(Object.keys(summary.properties.regionServers.items.properties).sort(), ['draining', 'infoPort', 'server', 'version', 'znode'])
  t.strictSame(Object.keys(summary.properties.replicationPeers.items.properties).sort(),
    ['bandwidth', 'clusterKey', 'enabled', 'excludeNamespaces', 'excludeTableCfs', 'namespaces', 'peerId', 'replicateAll', 'serial', 'tableCfs'])
  t.equal(summary.properties.meta.items.properties.onLiveServer.type, 'boolean')
  t.notOk(JSON.stringify(ok200('/v1/hbase')).includes('"additionalProperties":true'), 'no loose objects left in the summary')
  t.notOk(JSON.stringify(view).includes('"additionalProperties":true'), 'nor in the views')
})
