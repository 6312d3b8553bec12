// The REST API's behaviour, as one suite run against each topology
// (rest-embedded.test.ts, rest-node.test.ts): real server processes, real
// HTTP, and the raw ZooKeeper client to see what REST writes do to sessions.

import { createHash } from 'node:crypto'
import type { Test } from 'tap'
import { ZkClient } from '../../src/client'
import { EventType, OpCode } from '../../src/engine/codes'

/** What a topology offers the suite. */
export interface RestTarget {
  /** http://127.0.0.1:port */
  base: string
  /** where ZooKeeper clients connect */
  zkAddress: string
}

/** The credentials every target is started with (restArgs). */
export const TOKEN = 'test-token-0123456789abcdef'
export const SUPER_PASSWORD = 'super-secret'

export function digestOf (user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`
}

/** CLI flags for `start` and `node`: the token acts as digest:tokenuser, super:<SUPER_PASSWORD> is super. */
export function restArgs (): string[] {
  return [
    '--api-token', TOKEN,
    '--api-identity', `digest:${digestOf('tokenuser', 'tp')}`,
    '--super-digest', digestOf('super', SUPER_PASSWORD)
  ]
}

export function basic (user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }
}
export const ALICE = basic('alice', 'apw')
export const BOB = basic('bob', 'bpw')
export const SUPER = basic('super', SUPER_PASSWORD)
export const BEARER = { authorization: `Bearer ${TOKEN}` }

export interface Res {
  status: number
  headers: Headers
  body: any
}

export async function call (base: string, method: string, url: string, opts: { headers?: Record<string, string>, body?: unknown, raw?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers }
  let body: string | undefined
  if (opts.raw !== undefined) body = opts.raw
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body)
    headers['content-type'] = 'application/json'
  }
  const res = await fetch(base + url, { method, headers, body })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch { /* not JSON: keep the text */ }
  return { status: res.status, headers: res.headers, body: parsed }
}

function nextWatch (c: ZkClient): Promise<{ type: number, path: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no watch event within 10 s')), 10_000)
    c.once('watch', (ev) => {
      clearTimeout(timer)
      resolve({ type: ev.type, path: ev.path })
    })
  })
}

export function restSuite (t: Test, target: () => RestTarget, prefix: string): void {
  const req = (method: string, url: string, opts?: Parameters<typeof call>[3]): Promise<Res> => call(target().base, method, url, opts)
  const z = (p: string): string => `/v1/znodes/${prefix}${p}`
  const root = `/${prefix}`

  t.test('setup: a private root for this run', async (t) => {
    const r = await req('POST', `/v1/znodes/${prefix}`, { headers: ALICE, body: { data: 'run' } })
    t.equal(r.status, 201, JSON.stringify(r.body))
  })

  t.test('GET the root znode: data, stat, ETag', async (t) => {
    const r = await req('GET', '/v1/znodes/')
    t.equal(r.status, 200)
    t.equal(r.body.path, '/')
    t.match(r.body.stat, { version: 0, ephemeralOwner: 0 })
    t.equal(r.headers.get('etag'), '"0"')
    const head = await fetch(target().base + '/v1/znodes/')
    t.equal(head.status, 200, 'HEAD works too')
  })

  t.test('create, read back; null data is distinct from empty', async (t) => {
    const made = await req('POST', z('/a'), { headers: ALICE, body: { data: 'héllo' } })
    t.equal(made.status, 201)
    t.equal(made.body.path, `${root}/a`)
    t.equal(made.headers.get('location'), `/v1/znodes${root}/a`)
    t.equal(made.headers.get('etag'), '"0"')
    t.match(made.body.stat, { version: 0, dataLength: Buffer.byteLength('héllo'), numChildren: 0 })
    const got = await req('GET', z('/a'))
    t.same({ data: got.body.data, encoding: got.body.encoding }, { data: 'héllo', encoding: 'text' })

    t.equal((await req('POST', z('/nulldata'), { headers: ALICE, body: {} })).status, 201)
    t.equal((await req('POST', z('/empty'), { headers: ALICE, body: { data: '' } })).status, 201)
    const n = await req('GET', z('/nulldata'))
    const e = await req('GET', z('/empty'))
    t.equal(n.body.data, null, 'no data: ZooKeeper null')
    t.equal(e.body.data, '', 'empty string: empty data')
    t.equal(n.body.stat.dataLength, 0)
    const bare = await fetch(target().base + z('/bare'), { method: 'POST', headers: ALICE })
    t.equal(bare.status, 201, 'no body at all: every default')
    t.equal((await req('GET', z('/bare'))).body.data, null)
    t.equal((await req('DELETE', z('/bare'), { headers: ALICE })).status, 200)
  })

  t.test('binary data: auto picks base64, text refuses with 422', async (t) => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41])
    t.equal((await req('POST', z('/bin'), { headers: ALICE, body: { data: bytes.toString('base64'), encoding: 'base64' } })).status, 201)
    const auto = await req('GET', z('/bin'))
    t.same({ data: auto.body.data, encoding: auto.body.encoding }, { data: bytes.toString('base64'), encoding: 'base64' })
    const text = await req('GET', z('/bin') + '?encoding=text')
    t.equal(text.status, 422)
    t.equal(text.body.error, 'NOTUTF8')
    const b64 = await req('GET', z('/a') + '?encoding=base64')
    t.equal(Buffer.from(b64.body.data, 'base64').toString(), 'héllo')
    const bad = await req('POST', z('/bad64'), { headers: ALICE, body: { data: 'not base64!', encoding: 'base64' } })
    t.equal(bad.status, 400)
    t.equal(bad.body.error, 'BADARGUMENTS')
    t.equal((await req('GET', '/v1/znodes/?encoding=latin1')).status, 400, 'unknown encoding')
  })

  t.test('stat, children, acl', async (t) => {
    const s = await req('GET', `/v1/stat${root}/a`)
    t.equal(s.status, 200)
    t.equal(s.body.stat.dataLength, Buffer.byteLength('héllo'))
    const missing = await req('GET', `/v1/stat${root}/nope`)
    t.equal(missing.status, 404)
    t.same(missing.body.error, 'NONODE')
    t.equal(missing.body.code, -101)

    const c = await req('GET', `/v1/children${root}`)
    t.equal(c.status, 200)
    t.same(c.body.children, ['a', 'bin', 'empty', 'nulldata'], 'sorted')
    t.equal(c.body.stat.numChildren, 4)
    t.equal((await req('GET', `/v1/children${root}/nope`)).status, 404)

    const a = await req('GET', `/v1/acl${root}/a`)
    t.equal(a.status, 200)
    t.same(a.body.acl, [{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }], 'default: OPEN_ACL_UNSAFE')
    t.equal((await req('GET', `/v1/acl${root}/nope`)).status, 404)
  })

  t.test('set with If-Match; 412 on a stale version; 400 on a bad one', async (t) => {
    const ok = await req('PUT', z('/a'), { headers: { ...ALICE, 'if-match': '"0"' }, body: { data: 'v1' } })
    t.equal(ok.status, 200)
    t.equal(ok.body.stat.version, 1)
    t.equal(ok.headers.get('etag'), '"1"')
    const stale = await req('PUT', z('/a'), { headers: { ...ALICE, 'if-match': '"0"' }, body: { data: 'v2' } })
    t.equal(stale.status, 412)
    t.same({ error: stale.body.error, code: stale.body.code }, { error: 'BADVERSION', code: -103 })
    t.equal((await req('GET', z('/a'))).body.data, 'v1', 'the stale write changed nothing')
    const any = await req('PUT', z('/a'), { headers: ALICE, body: { data: 'v2' } })
    t.equal(any.body.stat.version, 2, 'no If-Match: any version')
    const star = await req('PUT', z('/a'), { headers: { ...ALICE, 'if-match': '*' }, body: { data: 'v3', encoding: 'text' } })
    t.equal(star.status, 200)
    const bad = await req('PUT', z('/a'), { headers: { ...ALICE, 'if-match': 'yesterday' }, body: { data: 'v4' } })
    t.equal(bad.status, 400)
    t.equal(bad.body.error, 'BADARGUMENTS')
    t.equal((await req('PUT', z('/nope'), { headers: ALICE, body: { data: 'x' } })).status, 404)
    t.equal((await req('PUT', z('/a'), { headers: ALICE, body: {} })).status, 400, 'data is required')
    t.equal((await req('PUT', z('/a'), { headers: ALICE, body: { data: 'x', encodng: 'text' } })).status, 400, 'unknown field')
  })

  t.test('create errors: 409 NODEEXISTS, 404 without parent, ephemeral refused, bad ACL, bad JSON', async (t) => {
    const dup = await req('POST', z('/a'), { headers: ALICE, body: {} })
    t.equal(dup.status, 409)
    t.equal(dup.body.error, 'NODEEXISTS')
    const orphan = await req('POST', z('/no/parent'), { headers: ALICE, body: {} })
    t.equal(orphan.status, 404)
    t.equal(orphan.body.error, 'NONODE')
    for (const mode of ['ephemeral', 'ephemeral_sequential']) {
      const eph = await req('POST', z('/eph'), { headers: ALICE, body: { mode } })
      t.equal(eph.status, 400, mode)
      t.match(eph.body.message, /no client/)
    }
    const acl = await req('POST', z('/badacl'), { headers: ALICE, body: { acl: [{ scheme: 'nosuch', id: 'x', perms: 'r' }] } })
    t.equal(acl.status, 400)
    t.equal(acl.body.error, 'INVALIDACL')
    const perms = await req('POST', z('/badperms'), { headers: ALICE, body: { acl: [{ scheme: 'world', id: 'anyone', perms: 'rwx' }] } })
    t.equal(perms.status, 400)
    const ttl = await req('POST', z('/ttl'), { headers: ALICE, body: { ttl: 1000 } })
    t.equal(ttl.status, 400, 'ttl without a ttl mode')
    const json = await req('POST', z('/json'), { headers: { ...ALICE, 'content-type': 'application/json' }, raw: '{"data":' })
    t.equal(json.status, 400)
    t.equal(json.body.error, 'BADARGUMENTS')
    t.equal((await req('GET', z('/json'))).status, 404, 'nothing was created')
  })

  t.test('sequential create names the znode', async (t) => {
    t.equal((await req('POST', z('/seq'), { headers: ALICE, body: {} })).status, 201)
    const first = await req('POST', z('/seq/job-'), { headers: ALICE, body: { mode: 'persistent_sequential' } })
    t.equal(first.status, 201)
    t.equal(first.body.path, `${root}/seq/job-0000000000`)
    const second = await req('POST', z('/seq/'), { headers: ALICE, body: { mode: 'persistent_sequential' } })
    t.equal(second.body.path, `${root}/seq/0000000001`, 'a trailing slash names the child by its sequence only')
    t.equal(second.headers.get('location'), `/v1/znodes${root}/seq/0000000001`)
  })

  t.test('bad paths are 400 BADARGUMENTS', async (t) => {
    for (const url of [z('/x//y'), z('/x/'), z('/x%00y'), z('/x/%7F')]) {
      const r = await req('GET', url)
      t.equal(r.status, 400, url)
      t.equal(r.body.error, 'BADARGUMENTS', url)
      t.equal(r.body.code, -8)
    }
    t.equal((await req('POST', z('/x//y'), { headers: ALICE, body: {} })).status, 400)
    const undecodable = await req('GET', z('/%zz'))
    t.equal(undecodable.status, 400, 'a URL that does not percent-decode')
    t.equal(undecodable.body.error, 'BADARGUMENTS')
    const odd = await req('POST', z('/with%20space%3Fand%23hash'), { headers: ALICE, body: { data: 'ok' } })
    t.equal(odd.status, 201, 'reserved characters travel percent-encoded')
    t.equal(odd.body.path, `${root}/with space?and#hash`)
    t.equal((await req('GET', odd.headers.get('location') as string)).body.data, 'ok', 'Location is a usable URL')
  })

  t.test('anonymous callers may read but not write; bad credentials are 401', async (t) => {
    for (const [method, body] of [['POST', {}], ['PUT', { data: 'x' }], ['DELETE', undefined]] as const) {
      const r = await req(method, z('/a'), { body })
      t.equal(r.status, 401, method)
      t.equal(r.body.error, 'AUTHREQUIRED', method)
      t.match(r.headers.get('www-authenticate'), /Basic/, method)
    }
    const junk = await req('PUT', z('/a'), { body: { nonsense: true } })
    t.equal(junk.status, 401, 'credentials are checked before the body')
    const wrong = await req('GET', z('/a'), { headers: { authorization: 'Bearer wrong-token-0123456789' } })
    t.equal(wrong.status, 401)
    t.equal(wrong.body.error, 'AUTHFAILED')
    t.equal((await req('GET', z('/a'), { headers: { authorization: 'Basic !!!' } })).status, 401, 'malformed Basic')
    t.equal((await req('GET', z('/a'), { headers: { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` } })).status, 401, 'Basic without a password')
    t.equal((await req('GET', z('/a'), { headers: { authorization: 'Negotiate abc' } })).status, 401, 'unknown scheme')
    t.equal((await req('GET', z('/a'), { headers: BEARER })).status, 200, 'the right token')
  })

  t.test('ACLs apply exactly as for ZooKeeper clients', async (t) => {
    const alice = digestOf('alice', 'apw')
    const made = await req('POST', z('/secret'), { headers: ALICE, body: { data: 's3cret', acl: [{ scheme: 'digest', id: alice, perms: 'cdrwa' }] } })
    t.equal(made.status, 201)
    const anon = await req('GET', z('/secret'))
    t.equal(anon.status, 403)
    t.same({ error: anon.body.error, code: anon.body.code }, { error: 'NOAUTH', code: -102 })
    t.equal((await req('GET', z('/secret'), { headers: BOB })).status, 403, 'another digest user')
    t.equal((await req('GET', z('/secret'), { headers: basic('alice', 'wrong') })).status, 403, 'a wrong password is another identity')
    t.equal((await req('GET', z('/secret'), { headers: BEARER })).status, 403, 'the token acts as tokenuser only')
    t.equal((await req('GET', z('/secret'), { headers: ALICE })).body.data, 's3cret')
    t.equal((await req('GET', z('/secret'), { headers: SUPER })).body.data, 's3cret', 'super via superDigest')
    t.equal((await req('PUT', z('/secret'), { headers: BOB, body: { data: 'x' } })).status, 403)
    t.equal((await req('DELETE', z('/secret'), { headers: BOB })).status, 200, 'delete needs DELETE on the parent, which is open')
    t.equal((await req('GET', `/v1/tree${root}?depth=1`, { headers: ALICE })).status, 200)

    // the `auth` scheme expands to the caller's identities, as for a ZooKeeper client
    const own = await req('POST', z('/tokens'), { headers: BEARER, body: { acl: [{ scheme: 'auth', id: '', perms: 31 }] } })
    t.equal(own.status, 201)
    const acl = await req('GET', `/v1/acl${root}/tokens`, { headers: BEARER })
    t.same(acl.body.acl, [{ scheme: 'digest', id: digestOf('tokenuser', 'tp'), perms: 'cdrwa' }])
    t.equal((await req('GET', z('/tokens'), { headers: ALICE })).status, 403)
    t.equal((await req('GET', `/v1/children${root}/tokens`)).status, 403, 'children need READ too')
    t.equal((await req('GET', `/v1/acl${root}/tokens`)).status, 403, 'getACL needs READ or ADMIN')
    t.equal((await req('GET', `/v1/stat${root}/tokens`)).status, 200, 'exists checks no ACL, as in ZooKeeper')

    // without ADMIN, digest hashes are masked, as ZooKeeper does
    const alice2 = digestOf('alice', 'apw')
    t.equal((await req('POST', z('/masked'), { headers: ALICE, body: { acl: [{ scheme: 'world', id: 'anyone', perms: 'r' }, { scheme: 'digest', id: alice2, perms: 31 }] } })).status, 201)
    t.same((await req('GET', `/v1/acl${root}/masked`)).body.acl, [{ scheme: 'world', id: 'anyone', perms: 'r' }, { scheme: 'digest', id: 'alice:x', perms: 'cdrwa' }])
    t.same((await req('GET', `/v1/acl${root}/masked`, { headers: ALICE })).body.acl[1], { scheme: 'digest', id: alice2, perms: 'cdrwa' })

    const tree = await req('GET', `/v1/tree${root}?depth=1`)
    const entry = tree.body.nodes.find((n: { path: string }) => n.path === `${root}/tokens`)
    t.same(entry, { path: `${root}/tokens`, depth: 1, error: 'NOAUTH' }, 'the subtree lists it without its content')
    const withData = await req('GET', `/v1/tree${root}?depth=1&data=true`)
    t.same(withData.body.nodes.find((n: { path: string }) => n.path === `${root}/tokens`), { path: `${root}/tokens`, depth: 1, error: 'NOAUTH' }, 'with data too')
    t.equal((await req('GET', `/v1/tree${root}/tokens`)).status, 403, 'a subtree rooted at it is refused')
  })

  t.test('a REST write fires the watches of ZooKeeper clients', async (t) => {
    const c = await ZkClient.connect(target().zkAddress)
    t.teardown(() => c.close().catch(() => {}))
    t.equal((await c.request({ type: OpCode.getData, path: `${root}/a`, watch: true })).err, 0)
    const changed = nextWatch(c)
    t.equal((await req('PUT', z('/a'), { headers: ALICE, body: { data: 'watched' } })).status, 200)
    t.same(await changed, { type: EventType.NodeDataChanged, path: `${root}/a` })

    t.equal((await c.request({ type: OpCode.getChildren, path: root, watch: true })).err, 0)
    const child = nextWatch(c)
    t.equal((await req('POST', z('/newchild'), { headers: ALICE, body: {} })).status, 201)
    t.same(await child, { type: EventType.NodeChildrenChanged, path: root })

    t.equal((await c.request({ type: OpCode.exists, path: `${root}/newchild`, watch: true })).err, 0)
    const gone = nextWatch(c)
    t.equal((await req('DELETE', z('/newchild'), { headers: ALICE })).status, 200)
    t.same(await gone, { type: EventType.NodeDeleted, path: `${root}/newchild` })

    // and what REST wrote is what a ZooKeeper client reads
    const read = await c.request({ type: OpCode.getData, path: `${root}/a`, watch: false })
    t.equal(Buffer.from((read.body as { data: Buffer }).data).toString(), 'watched')
  })

  t.test('delete: If-Match, NOTEMPTY, recursive', async (t) => {
    t.equal((await req('POST', z('/d'), { headers: ALICE, body: {} })).status, 201)
    const stale = await req('DELETE', z('/d'), { headers: { ...ALICE, 'if-match': '"7"' } })
    t.equal(stale.status, 412)
    const ok = await req('DELETE', z('/d'), { headers: { ...ALICE, 'if-match': '"0"' } })
    t.same(ok.body, { path: `${root}/d`, deleted: 1 })
    t.equal((await req('DELETE', z('/d'), { headers: ALICE })).status, 404)

    // a three-level subtree of 1 + 4 + 4*5 = 25 znodes
    t.equal((await req('POST', z('/r'), { headers: ALICE, body: {} })).status, 201)
    for (let i = 0; i < 4; i++) {
      t.equal((await req('POST', z(`/r/c${i}`), { headers: ALICE, body: {} })).status, 201)
      for (let j = 0; j < 5; j++) t.equal((await req('POST', z(`/r/c${i}/g${j}`), { headers: ALICE, body: { data: 'x' } })).status, 201)
    }
    const notEmpty = await req('DELETE', z('/r'), { headers: ALICE })
    t.equal(notEmpty.status, 409)
    t.equal(notEmpty.body.error, 'NOTEMPTY')
    const staleTree = await req('DELETE', z('/r') + '?recursive=true', { headers: { ...ALICE, 'if-match': '"5"' } })
    t.equal(staleTree.status, 412, 'If-Match is checked before anything goes')
    t.equal((await req('GET', `/v1/children${root}/r/c0`)).body.children.length, 5, 'nothing was deleted')
    t.equal((await req('DELETE', z('/r') + '?recursive=true')).status, 401, 'anonymous')
    const tree = await req('DELETE', z('/r') + '?recursive=true', { headers: { ...ALICE, 'if-match': '"0"' } })
    t.equal(tree.status, 200)
    t.same(tree.body, { path: `${root}/r`, deleted: 25 })
    t.equal((await req('GET', z('/r'))).status, 404)
    t.equal((await req('DELETE', z('/r') + '?recursive=true', { headers: ALICE })).status, 404)
    t.equal((await req('DELETE', '/v1/znodes/?recursive=true', { headers: SUPER })).status, 400, 'never the root')
    t.equal((await req('DELETE', z('/x') + '?recursive=maybe', { headers: ALICE })).status, 400)
  })

  t.test('a recursive delete stops at the first znode the caller may not delete', async (t) => {
    const alice = digestOf('alice', 'apw')
    t.equal((await req('POST', z('/guarded'), { headers: ALICE, body: {} })).status, 201)
    t.equal((await req('POST', z('/guarded/locked'), { headers: ALICE, body: { acl: [{ scheme: 'digest', id: alice, perms: 'cdrwa' }] } })).status, 201)
    t.equal((await req('POST', z('/guarded/locked/leaf'), { headers: ALICE, body: {} })).status, 201)
    const bob = await req('DELETE', z('/guarded') + '?recursive=true', { headers: BOB })
    t.equal(bob.status, 403, 'bob cannot list inside locked')
    t.equal(bob.body.error, 'NOAUTH')
    t.equal((await req('GET', z('/guarded/locked/leaf'), { headers: ALICE })).status, 200, 'nothing went')
    t.same((await req('DELETE', z('/guarded') + '?recursive=true', { headers: ALICE })).body, { path: `${root}/guarded`, deleted: 3 })
  })

  t.test('tree: depth, limit, truncation, data', async (t) => {
    t.equal((await req('POST', z('/t'), { headers: ALICE, body: { data: 'top' } })).status, 201)
    for (let i = 0; i < 3; i++) {
      t.equal((await req('POST', z(`/t/k${i}`), { headers: ALICE, body: { data: `v${i}` } })).status, 201)
      t.equal((await req('POST', z(`/t/k${i}/leaf`), { headers: ALICE, body: {} })).status, 201)
    }
    const d0 = await req('GET', `/v1/tree${root}/t?depth=0`)
    t.equal(d0.status, 200)
    t.equal(d0.body.nodes.length, 1)
    t.equal(d0.body.truncated, true, 'children exist below depth 0')
    const d1 = await req('GET', `/v1/tree${root}/t`)
    t.same(d1.body.nodes.map((n: { path: string }) => n.path), [`${root}/t`, `${root}/t/k0`, `${root}/t/k1`, `${root}/t/k2`], 'default depth 1')
    t.same(d1.body.nodes[0].children, ['k0', 'k1', 'k2'])
    t.equal(d1.body.nodes[0].data, undefined, 'no data unless asked')
    const all = await req('GET', `/v1/tree${root}/t?depth=5&data=true`)
    t.equal(all.body.nodes.length, 7)
    t.equal(all.body.truncated, false)
    t.same(all.body.nodes.slice(0, 2).map((n: { data: string, encoding: string }) => [n.data, n.encoding]), [['top', 'text'], ['v0', 'text']])
    const limited = await req('GET', `/v1/tree${root}/t?depth=5&limit=2`)
    t.equal(limited.body.nodes.length, 2)
    t.equal(limited.body.truncated, true)
    for (const q of ['depth=-1', 'depth=1000', 'limit=0', 'limit=100001', 'depth=x']) {
      t.equal((await req('GET', `/v1/tree${root}/t?${q}`)).status, 400, q)
    }
    t.equal((await req('GET', `/v1/tree${root}/nope`)).status, 404)
  })

  t.test('data near jute.maxbuffer: accepted up to the limit, 413 beyond', async (t) => {
    const big = Buffer.alloc(1048575 - 4096, 0x61)
    const made = await req('POST', z('/big'), { headers: ALICE, body: { data: big.toString('base64'), encoding: 'base64' } })
    t.equal(made.status, 201, JSON.stringify(made.body).slice(0, 200))
    const got = await req('GET', z('/big') + '?encoding=base64')
    t.equal(Buffer.from(got.body.data, 'base64').equals(big), true, 'read back byte for byte')
    const huge = Buffer.alloc(1048576, 0x62)
    const over = await req('PUT', z('/big'), { headers: ALICE, body: { data: huge.toString('base64'), encoding: 'base64' } })
    t.equal(over.status, 413)
    t.equal(over.body.error, 'BADARGUMENTS')
    t.equal((await req('GET', `/v1/stat${root}/big`)).body.stat.version, 0, 'unchanged')
  })
}
