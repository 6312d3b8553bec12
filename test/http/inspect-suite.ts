// The inspection routes (sessions, watches, HBase views) as one suite run
// against each topology (inspect-embedded.test.ts, inspect-node.test.ts):
// real server processes, real HTTP, sessions and watches set by the raw
// ZooKeeper client, HBase znodes captured from a real cluster.

import type { Test } from 'tap'
import { ZkClient } from '../../src/client'
import { CreateFlag, Err, OpCode, Perm } from '../../src/engine/codes'
import type { Request } from '../../src/engine/types'
import { loadFixture } from '../hbase-views/fixtures'
import { ALICE, BEARER, SUPER, call, digestOf, type Res, type RestTarget } from './rest-suite'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const ALICE_ONLY = [{ perms: Perm.ALL, id: { scheme: 'digest', id: digestOf('alice', 'apw') } }]

async function ok (c: ZkClient, req: Request, expect: number[] = [Err.OK]): Promise<void> {
  const r = await c.request(req as never)
  if (!expect.includes(r.err)) throw new Error(`${OpCode[req.type]} ${(req as { path?: string }).path ?? ''}: err ${r.err}`)
}

function create (path: string, flags = 0, acl = OPEN, data: Buffer | null = null): Request {
  return { type: OpCode.create, path, data, dataLength: data === null ? -1 : data.length, acl, flags } as unknown as Request
}

const hex = (id: number): string => '0x' + id.toString(16)

export function inspectSuite (t: Test, target: () => RestTarget, prefix: string): void {
  const get = (url: string, headers?: Record<string, string>): Promise<Res> => call(target().base, 'GET', url, { headers })
  const root = `/${prefix}`
  let a: ZkClient
  let b: ZkClient

  t.before(async () => {
    a = await ZkClient.connect(target().zkAddress, { timeout: 30_000 })
    b = await ZkClient.connect(target().zkAddress, { timeout: 20_000 })
    await ok(a, create(root))
    await ok(a, create(`${root}/w`))
    await ok(a, create(`${root}/pers`))
    await ok(a, create(`${root}/rec`))
    await ok(a, create(`${root}/e2`, CreateFlag.EPHEMERAL))
    await ok(a, create(`${root}/e1`, CreateFlag.EPHEMERAL))
    await ok(a, { type: OpCode.getData, path: `${root}/w`, watch: true } as Request)
    await ok(a, { type: OpCode.getChildren, path: `${root}/w`, watch: true } as Request)
    await ok(a, { type: OpCode.exists, path: `${root}/missing`, watch: true } as Request, [Err.NONODE])
    await ok(a, { type: OpCode.addWatch, path: `${root}/pers`, mode: 0 } as Request)
    await ok(a, { type: OpCode.addWatch, path: `${root}/rec`, mode: 1 } as Request)
    await ok(b, { type: OpCode.getData, path: `${root}/w`, watch: true } as Request)
  })
  t.teardown(async () => {
    await a?.close().catch(() => {})
    await b?.close().catch(() => {})
  })

  t.test('only the super identity may inspect', async (t) => {
    for (const url of ['/v1/sessions', `/v1/sessions/${hex(a.sessionId)}`, '/v1/watches', `/v1/watches?path=${root}/w`]) {
      const anon = await get(url)
      t.equal(anon.status, 401, `anonymous ${url}`)
      t.equal(anon.body.error, 'AUTHREQUIRED')
      t.ok(anon.headers.get('www-authenticate'), 'says which credentials it takes')
      const alice = await get(url, ALICE)
      t.equal(alice.status, 403, `a digest user ${url}`)
      t.equal(alice.body.error, 'NOAUTH')
      t.equal((await get(url, BEARER)).status, 403, 'a token mapped to a digest identity, not super')
      t.equal((await get(url, SUPER)).status, 200, `super ${url}`)
    }
    t.equal((await get('/v1/sessions', { authorization: 'Bearer wrong' })).status, 401, 'a wrong token is refused, not anonymous')
  })

  t.test('GET /v1/sessions lists sessions with their counts', async (t) => {
    const r = await get('/v1/sessions', SUPER)
    t.equal(r.status, 200)
    t.equal(r.body.truncated, false)
    const byId = new Map<string, any>(r.body.sessions.map((s: any) => [s.id, s]))
    const sa = byId.get(hex(a.sessionId))
    const sb = byId.get(hex(b.sessionId))
    t.ok(sa !== undefined && sb !== undefined, 'both clients are listed under their exact hex ids')
    t.equal(sa.timeout, a.negotiatedTimeout)
    t.equal(sb.timeout, b.negotiatedTimeout)
    t.equal(sa.ephemerals, 2)
    t.equal(sb.ephemerals, 0)
    t.equal(sb.watches, 1, 'one getData watch')
    t.ok(sa.watches >= 6, `getData, getChildren, exists and two addWatch registrations (${sa.watches})`)
    const now = Date.now()
    t.ok(sa.expiresAt > now - 60_000 && sa.expiresAt <= now + a.negotiatedTimeout + 5_000, 'the deadline is now plus at most the timeout')

    const one = await get('/v1/sessions?limit=1', SUPER)
    t.equal(one.status, 200)
    t.equal(one.body.sessions.length, 1)
    t.equal(one.body.truncated, true)
    for (const bad of ['0', '10001', 'x']) {
      const res = await get(`/v1/sessions?limit=${bad}`, SUPER)
      t.equal(res.status, 400, `limit=${bad}`)
      t.equal(res.body.error, 'BADARGUMENTS')
    }
  })

  t.test('GET /v1/sessions/{id} tells its ephemerals and watches by mode', async (t) => {
    const r = await get(`/v1/sessions/${hex(a.sessionId)}`, SUPER)
    t.equal(r.status, 200)
    t.equal(r.body.id, hex(a.sessionId))
    t.equal(r.body.timeout, a.negotiatedTimeout)
    t.strictSame(r.body.ephemerals, [`${root}/e1`, `${root}/e2`])
    t.strictSame(r.body.watches, {
      data: [`${root}/missing`, `${root}/w`],
      child: [`${root}/w`],
      persistent: [`${root}/pers`],
      recursive: [`${root}/rec`]
    })
    const rb = await get(`/v1/sessions/${hex(b.sessionId).toUpperCase().replace('0X', '0x')}`, SUPER)
    t.equal(rb.status, 200, 'upper-case hex digits are taken')
    t.strictSame(rb.body.watches, { data: [`${root}/w`], child: [], persistent: [], recursive: [] })
    t.strictSame(rb.body.ephemerals, [])
  })

  t.test('unknown and malformed session ids', async (t) => {
    for (const id of ['0x7ffffffffff', '0xffffffffffffffff']) {
      const r = await get(`/v1/sessions/${id}`, SUPER)
      t.equal(r.status, 404, id)
      t.equal(r.body.error, 'NOSESSION')
    }
    for (const id of ['123', '0x', '0xzz', '0x11112222333344445']) {
      const r = await get(`/v1/sessions/${id}`, SUPER)
      t.equal(r.status, 400, id)
      t.equal(r.body.error, 'BADARGUMENTS')
    }
  })

  t.test('GET /v1/watches: by path, and the summary', async (t) => {
    const w = await get(`/v1/watches?path=${encodeURIComponent(`${root}/w`)}`, SUPER)
    t.equal(w.status, 200)
    t.strictSame(w.body, { path: `${root}/w`, data: [hex(a.sessionId), hex(b.sessionId)].sort((x, y) => parseInt(x, 16) - parseInt(y, 16)), child: [hex(a.sessionId)] })
    const none = await get(`/v1/watches?path=${root}/e1`, SUPER)
    t.strictSame(none.body, { path: `${root}/e1`, data: [], child: [] })
    const bad = await get('/v1/watches?path=nope', SUPER)
    t.equal(bad.status, 400)
    t.equal(bad.body.error, 'BADARGUMENTS')

    const s = await get('/v1/watches', SUPER)
    t.equal(s.status, 200)
    t.strictSame(Object.keys(s.body).sort(), ['paths', 'sessions', 'watches'])
    const all = await get('/v1/sessions', SUPER)
    const listed = all.body.sessions as Array<{ watches: number }>
    t.equal(s.body.watches, listed.reduce((n, x) => n + x.watches, 0), 'the registrations of every session')
    t.equal(s.body.sessions, listed.filter((x) => x.watches > 0).length, 'the sessions holding any')
    t.ok(s.body.paths >= 4, `the watched paths (${s.body.paths})`)
  })

  t.test('a closed session is gone', async (t) => {
    const c = await ZkClient.connect(target().zkAddress, { timeout: 20_000 })
    await ok(c, create(`${root}/gone`, CreateFlag.EPHEMERAL))
    const id = hex(c.sessionId)
    t.equal((await get(`/v1/sessions/${id}`, SUPER)).body.ephemerals[0], `${root}/gone`)
    await c.close()
    t.equal((await get(`/v1/sessions/${id}`, SUPER)).status, 404)
    t.notOk((await get('/v1/sessions', SUPER)).body.sessions.some((s: any) => s.id === id))
  })

  t.test('HBase views over a captured cluster, through the caller\'s ACLs', async (t) => {
    const live = loadFixture('live')
    const parent = `${root}/hbase`
    const locked = `${parent}/hbaseid`
    for (const z of live.znodes) {
      const path = parent + z.path.slice('/hbase'.length)
      // a's ephemerals live as long as the suite
      await ok(a, create(path, z.ephemeral ? CreateFlag.EPHEMERAL : 0, path === locked ? ALICE_ONLY : OPEN, z.data))
    }
    const q = `?parent=${encodeURIComponent(parent)}`
    const anon = await get(`/v1/hbase${q}`)
    t.equal(anon.status, 200)
    t.equal(anon.body.parent, parent)
    t.equal(anon.body.exists, true)
    t.equal(anon.body.clusterId, null, 'hbaseid is not readable anonymously')
    t.strictSame(anon.body.problems.map((p: any) => [p.path, p.kind]), [[locked, 'unreadable']])
    t.match(anon.body.problems[0].reason, /NOAUTH/)
    t.equal(anon.body.activeMaster.server.name, live.facts.master)
    t.strictSame(anon.body.backupMasters.map((m: any) => m.server.name), live.facts.backupMasters)
    t.strictSame(anon.body.regionServers.map((r: any) => r.server.name).sort(), [...live.facts.liveServers].sort())
    t.strictSame(anon.body.replicationPeers.map((p: any) => [p.peerId, p.enabled]), live.facts.peers.map((p) => [p.id, p.enabled]))
    t.equal(anon.body.switches.balancer.enabled, live.facts.balancer)

    const alice = await get(`/v1/hbase${q}`, ALICE)
    t.equal(alice.body.clusterId, live.facts.clusterId, 'alice may read hbaseid')
    t.strictSame(alice.body.problems, [])

    const none = await get('/v1/hbase?parent=/no-such-hbase')
    t.equal(none.status, 200)
    t.equal(none.body.exists, false)
    t.equal((await get('/v1/hbase?parent=bad')).status, 400)

    const m = await get(`/v1/hbase/znodes${parent}/master${q}`)
    t.equal(m.status, 200)
    t.equal(m.body.path, `${parent}/master`)
    t.equal(m.body.view.kind, 'master')
    t.equal(m.body.view.path, 'master')
    t.equal(m.body.view.server.name, live.facts.master)
    t.equal(m.body.stat.ephemeralOwner, a.sessionId, 'with its stat')
    const id = await get(`/v1/hbase/znodes${locked}${q}`, ALICE)
    t.equal(id.body.view.kind, 'cluster-id')
    t.equal(id.body.view.clusterId, live.facts.clusterId)
    const refused = await get(`/v1/hbase/znodes${locked}${q}`)
    t.equal(refused.status, 403)
    t.equal(refused.body.error, 'NOAUTH')
    const missing = await get(`/v1/hbase/znodes${parent}/nothing${q}`)
    t.equal(missing.status, 404)
    t.equal(missing.body.error, 'NONODE')
    const outside = await get(`/v1/hbase/znodes${root}/w${q}`)
    t.equal(outside.status, 400, 'a znode outside the parent')
  })
}
