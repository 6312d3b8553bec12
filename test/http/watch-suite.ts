// The watch stream's behaviour (docs/rest.md "Watch stream") as one suite run
// against each topology (watch-embedded.test.ts, watch-node.test.ts): real
// server processes, real HTTP (SSE over fetch, WebSocket over `ws`), and
// writes made by a real ZooKeeper client (the raw ZkClient) whose own watch
// events are the reference the stream is held to.

import type { Test } from 'tap'
import { ZkClient } from '../../src/client'
import { Err, EventType, OpCode, Perm } from '../../src/engine/codes'
import type { Request } from '../../src/engine/types'
import { ALICE, call, digestOf, type RestTarget } from './rest-suite'
import { changes, openSse, openWs, Refused, sessionIds, until, type StreamMessage, type WatchClient } from './watch-client'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const ALICE_ONLY = [{ perms: Perm.ALL, id: { scheme: 'digest', id: digestOf('alice', 'apw') } }]

/** The most streams the suite's server admits at once (--api-max-watch-streams). */
export const SUITE_MAX_STREAMS = 3

export function watchArgs (): string[] {
  return ['--api-max-watch-streams', String(SUITE_MAX_STREAMS)]
}

async function ok (c: ZkClient, req: Request, expect: number[] = [Err.OK]): Promise<void> {
  const r = await c.request(req as never)
  if (!expect.includes(r.err)) throw new Error(`${OpCode[req.type]} ${(req as { path?: string }).path ?? ''}: err ${r.err}`)
}

function create (path: string, data: string | null = null, acl = OPEN): Request {
  const bytes = data === null ? null : Buffer.from(data)
  return { type: OpCode.create, path, data: bytes, dataLength: bytes === null ? -1 : bytes.length, acl, flags: 0 } as unknown as Request
}

function set (path: string, data: string): Request {
  const bytes = Buffer.from(data)
  return { type: OpCode.setData, path, data: bytes, dataLength: bytes.length, version: -1 } as unknown as Request
}

function del (path: string): Request {
  return { type: OpCode.delete, path, version: -1 } as unknown as Request
}

const NAMES: Record<number, string> = {
  [EventType.NodeCreated]: 'created',
  [EventType.NodeDeleted]: 'deleted',
  [EventType.NodeDataChanged]: 'dataChanged',
  [EventType.NodeChildrenChanged]: 'childrenChanged'
}

export function watchSuite (t: Test, target: () => RestTarget, prefix: string): void {
  const root = `/${prefix}`
  let zk: ZkClient
  // the reference: a ZooKeeper client with the same kind of watch
  const seen: string[] = []

  t.before(async () => {
    zk = await ZkClient.connect(target().zkAddress, { timeout: 30_000 })
    zk.on('watch', (ev) => seen.push(`${NAMES[ev.type] ?? ev.type} ${ev.path}`))
    await ok(zk, create(root))
  })
  t.teardown(async () => { await zk?.close().catch(() => {}) })

  /** The writes every ordering case makes under `p`. */
  async function writes (p: string): Promise<void> {
    await ok(zk, create(p, 'one'))
    await ok(zk, set(p, 'two'))
    await ok(zk, create(`${p}/c`, 'kid'))
    await ok(zk, set(`${p}/c`, 'kid2'))
    await ok(zk, create(`${p}/c/g`))
    await ok(zk, del(`${p}/c/g`))
    await ok(zk, del(`${p}/c`))
    await ok(zk, del(p))
  }

  for (const recursive of [true, false]) {
    t.test(`SSE, recursive=${String(recursive)}: the events a ZooKeeper client with the same watch gets, in order`, async (t) => {
      const p = `${root}/sse-${String(recursive)}`
      const s = await openSse(target().base, p, { recursive })
      t.teardown(() => s.close())
      const ready = await s.next()
      t.equal(ready.event, 'ready')
      t.same({ path: ready.path, recursive: ready.recursive }, { path: p, recursive })
      t.match(ready.session, /^0x[0-9a-f]+$/, 'the session id, in hex')

      seen.length = 0
      await ok(zk, { type: OpCode.addWatch, path: p, mode: recursive ? 1 : 0 } as Request)
      await writes(p)
      const expected = recursive
        ? [`created ${p}`, `dataChanged ${p}`, `created ${p}/c`, `dataChanged ${p}/c`, `created ${p}/c/g`, `deleted ${p}/c/g`, `deleted ${p}/c`, `deleted ${p}`]
        : [`created ${p}`, `dataChanged ${p}`, `childrenChanged ${p}`, `childrenChanged ${p}`, `deleted ${p}`]
      t.same(await changes(s, expected.length), expected)
      await until('the ZooKeeper client saw its events', async () => seen.length >= expected.length)
      t.same(seen, expected, 'the ZooKeeper client with the same addWatch saw the same')
      // nothing else came: the next write outside the path is not an event
      await ok(zk, create(`${root}/elsewhere-${String(recursive)}`))
      await ok(zk, create(p))
      t.same(await changes(s, 1), [`created ${p}`], 'the next event is the next write under the path')
    })
  }

  t.test('WebSocket: the same messages as JSON frames', async (t) => {
    const p = `${root}/ws`
    const s = await openWs(target().base, p, {})
    t.teardown(() => s.close())
    const ready = await s.next()
    t.match(ready, { event: 'ready', path: p, recursive: true })
    await writes(p)
    t.same(await changes(s, 8), [`created ${p}`, `dataChanged ${p}`, `created ${p}/c`, `dataChanged ${p}/c`, `created ${p}/c/g`, `deleted ${p}/c/g`, `deleted ${p}/c`, `deleted ${p}`])
  })

  t.test('data=true: created and dataChanged carry the data and stat read after the event', async (t) => {
    const p = `${root}/data`
    const s = await openSse(target().base, p, { data: true })
    t.teardown(() => s.close())
    await s.next()
    await ok(zk, create(p, 'héllo'))
    const bin = Buffer.from([0xff, 0x00, 0xfe])
    await ok(zk, { type: OpCode.setData, path: p, data: bin, dataLength: bin.length, version: -1 } as unknown as Request)
    await ok(zk, del(p))
    const made = await s.next()
    t.match(made, { event: 'change', type: 'created', path: p })
    // read after the event: the data may already be newer than the create
    t.ok(made.data === 'héllo' || made.data === bin.toString('base64'), 'the data, as GET encoding=auto')
    t.type(made.stat?.czxid, 'number')
    const changed = await s.next()
    t.match(changed, { type: 'dataChanged', path: p })
    if (changed.stat !== undefined) {
      t.same({ data: changed.data, encoding: changed.encoding }, { data: bin.toString('base64'), encoding: 'base64' }, 'bytes that are not UTF-8 come as base64')
      t.equal(changed.stat.version, 1)
    } else {
      t.equal(changed.data, undefined, 'deleted before the read: no data, no stat')
    }
    const gone = await s.next()
    t.same(gone, { event: 'change', type: 'deleted', path: p }, 'deleted carries no data')
  })

  t.test('ACLs: a znode the caller cannot read is refused, and gives no data below a watched path', async (t) => {
    const p = `${root}/acl`
    const authed = await zk.auth('digest', Buffer.from('alice:apw'))
    t.equal(authed.err, Err.OK)
    await ok(zk, create(p))
    await ok(zk, create(`${p}/secret`, 'hidden', ALICE_ONLY))
    for (const open of [openSse, openWs]) {
      const refused = await open(target().base, `${p}/secret`).then(() => undefined, (err: unknown) => err)
      t.ok(refused instanceof Refused, `${open.name}: refused before the stream starts`)
      t.equal((refused as Refused).status, 403)
      t.match((refused as Refused).body, { error: 'NOAUTH', code: Err.NOAUTH })
    }
    const alice = await openSse(target().base, `${p}/secret`, { headers: ALICE, data: true })
    t.teardown(() => alice.close())
    t.equal((await alice.next()).event, 'ready', 'its owner may watch it')

    const anon = await openSse(target().base, p, { data: true })
    t.teardown(() => anon.close())
    await anon.next()
    await ok(zk, set(`${p}/secret`, 'still hidden'))
    await ok(zk, create(`${p}/public`, 'seen'))
    const hidden = await anon.next()
    t.same(hidden, { event: 'change', type: 'dataChanged', path: `${p}/secret` }, 'the event (ZooKeeper 3.8 sends it), without the data')
    t.match(await anon.next(), { type: 'created', path: `${p}/public`, data: 'seen' })
    t.match(await alice.next(), { type: 'dataChanged', path: `${p}/secret`, data: 'still hidden' }, 'alice reads it')
  })

  t.test('bad requests: JSON errors before any stream', async (t) => {
    for (const [url, status] of [['/v1/watch?path=nope', 400], ['/v1/watch', 400], ['/v1/watch?path=/a&recursive=maybe', 400], ['/v1/watch?path=/a&extra=1', 400], ['/v1/watch?path=/a//b', 400]] as const) {
      const r = await call(target().base, 'GET', url)
      t.equal(r.status, status, url)
      t.equal(r.body.error, 'BADARGUMENTS', url)
    }
    const r = await call(target().base, 'GET', '/v1/watch/ws?path=/a')
    t.equal(r.status, 400, 'the WebSocket route without an upgrade')
    const badWs = await openWs(target().base, 'nope').then(() => undefined, (err: unknown) => err)
    t.equal((badWs as Refused).status, 400, 'a bad path refuses the upgrade')
    t.equal((await call(target().base, 'GET', '/v1/watch?path=/', { headers: { authorization: 'Bearer wrong' } })).status, 401, 'a wrong token')
  })

  t.test('closing the stream closes its session; the stream limit answers 503', async (t) => {
    const base = target().base
    const streams: WatchClient[] = []
    t.teardown(() => { for (const s of streams) s.close() })
    const ids: string[] = []
    for (let i = 0; i < SUITE_MAX_STREAMS; i++) {
      const s = i % 2 === 0 ? await openSse(base, root) : await openWs(base, root)
      streams.push(s)
      const ready: StreamMessage = await s.next()
      ids.push(ready.session)
    }
    t.equal(new Set(ids).size, SUITE_MAX_STREAMS, 'a session per stream')
    const listed = await sessionIds(base)
    for (const id of ids) t.ok(listed.includes(id), `${id} is a live session`)
    for (const open of [openSse, openWs]) {
      const over = await open(base, root).then(() => undefined, (err: unknown) => err)
      t.equal((over as Refused).status, 503, `${open.name}: past --api-max-watch-streams`)
      t.equal((over as Refused).body.error, 'UNAVAILABLE')
    }
    streams[0].close()
    streams[1].close()
    await until('the closed streams\' sessions are gone', async () => {
      const now = await sessionIds(base)
      return !now.includes(ids[0]) && !now.includes(ids[1])
    })
    t.ok((await sessionIds(base)).includes(ids[2]), 'the open one is still there')
    const again = await openSse(base, root)
    streams.push(again)
    t.equal((await again.next()).event, 'ready', 'a closed stream frees its place')
  })
}
