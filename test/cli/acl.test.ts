// redkeeper getacl / setacl, driven as a user would (the built CLI as a child
// process against a real embedded server's REST port), with zkCli's getAcl
// on a real ZooKeeper 3.8 as the oracle for the output lines and the masking
// of digests a reader without ADMIN gets.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'
import { zkCliBatch } from '../support/zkcli'
import { digestOf } from '../http/rest-suite'
import { json, restArgs, rk, TOKEN } from './ops-suite'

// two JVMs (ZooKeeper, zkCli) and ~25 CLI process starts: ~30 s alone, more on a loaded machine
t.setTimeout(120_000)

let server: RedkeeperHandle | undefined
let zk: ZooKeeperHandle | undefined
t.before(async () => {
  [server, zk] = await Promise.all([startRedkeeper({ args: [...restArgs(), '--no-fsync'] }), startZooKeeper()])
})
t.teardown(async () => { await Promise.all([server?.destroy(), zk?.stop()]) })

const base = (): string => `http://127.0.0.1:${(server as RedkeeperHandle).httpPort}`
const asToken = (): { env: Record<string, string> } => ({ env: { REDKEEPER_SERVER: base(), REDKEEPER_TOKEN: TOKEN } })
const asUser = (user: string): { env: Record<string, string> } => ({ env: { REDKEEPER_SERVER: base(), REDKEEPER_USER: user } })
const anonymous = (): { env: Record<string, string> } => ({ env: { REDKEEPER_SERVER: base() } })

const ALICE = digestOf('alice', 'apw')
// world may only read: a reader without ADMIN sees digests masked
const ACL = `world:anyone:r,digest:${ALICE}:cdrwa,ip:10.1.2.3:rw`

t.test('setacl, then getacl prints what zkCli getAcl prints for the same ACL', async (t) => {
  const p = '/cli-acl'
  t.equal((await rk(['create', p, 'x'], asToken())).code, 0)
  const set = await rk(['setacl', p, ACL], asToken())
  t.same([set.code, set.stdout, set.stderr], [0, '', ''], 'prints nothing, as zkCli setAcl')

  // the same ACL on ZooKeeper, set by a raw client
  const c = await ZkClient.connect((zk as ZooKeeperHandle).address, { autoPing: false })
  t.teardown(() => c.destroy())
  const acl = ACL.split(',').map((e) => {
    const [scheme, ...rest] = e.split(':')
    const perms = rest.pop() as string
    const mask = [...perms].reduce((m, ch) => m | ({ r: 1, w: 2, c: 4, d: 8, a: 16 } as Record<string, number>)[ch], 0)
    return { perms: mask, id: { scheme, id: rest.join(':') } }
  })
  t.equal((await c.request({ type: OpCode.create, path: p, data: Buffer.from('x'), dataLength: 1, acl, flags: 0 })).err, Err.OK)

  const [ours, theirs] = await Promise.all([rk(['getacl', p], anonymous()), zkCliBatch((zk as ZooKeeperHandle).address, 'getAcl', p)])
  t.equal(ours.code, 0)
  t.match(ours.stdout, /^'world,'anyone\n: r\n'digest,'[^\n]*\n: cdrwa\n'ip,'10\.1\.2\.3\n: rw\n$/, 'two lines per entry')
  t.ok(theirs.includes(ours.stdout), `zkCli printed the same lines:\n${ours.stdout}--- zkCli ---\n${theirs}`)

  const full = await rk(['getacl', p, '--json'], asUser('alice:apw'))
  t.equal(full.code, 0)
  t.same(json(full).acl, [
    { scheme: 'world', id: 'anyone', perms: 'r' },
    { scheme: 'digest', id: ALICE, perms: 'cdrwa' },
    { scheme: 'ip', id: '10.1.2.3', perms: 'rw' }
  ], 'alice (ADMIN) sees the digest itself')
  t.equal(json(full).stat.aversion, 1)
  const withStat = await rk(['getacl', p, '-s'], asUser('alice:apw'))
  t.match(withStat.stdout, /\n: rw\ncZxid = 0x[0-9a-f]+\n[^]*aclVersion = 1\n/, '-s appends the stat')
})

t.test('--version is the ACL version; auth:: takes the caller\'s identities; refusals', async (t) => {
  const p = '/cli-acl-v'
  t.equal((await rk(['create', p, '--acl', `digest:${ALICE}:cdrwa`], asUser('alice:apw'))).code, 0)
  let r = await rk(['setacl', p, 'world:anyone:cdrwa', '--version', '3'], asUser('alice:apw'))
  t.same([r.code, r.stdout, r.stderr], [1, '', `BADVERSION: ${p}\n`], 'a stale ACL version: exit 1')
  r = await rk(['setacl', p, 'world:anyone:cdrwa'], asUser('bob:bpw'))
  t.same([r.code, r.stderr], [1, `NOAUTH: ${p}\n`], 'bob has no ADMIN on it')
  r = await rk(['setacl', p, 'auth::cdra', '--version', '0', '-s'], asUser('alice:apw'))
  t.equal(r.code, 0)
  t.match(r.stdout, /aclVersion = 1\n/, '-s prints the new stat')
  r = await rk(['getacl', p, '--json'], asUser('alice:apw'))
  t.same(json(r).acl, [{ scheme: 'digest', id: ALICE, perms: 'cdra' }], 'auth:: became alice\'s digest identity')
  r = await rk(['setacl', p, 'world:anyone:r', '--json'], asUser('alice:apw'))
  t.equal(r.code, 0)
  t.same([json(r).path, json(r).stat.aversion], [p, 2])
})

t.test('bad ACL strings are usage errors (exit 2), nothing sent', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['setacl', '/x'], /missing <acl>/],
    [['setacl', '/x', 'world:anyone'], /not scheme:id:perms/],
    [['setacl', '/x', 'world:anyone:cdrwx'], /letters of cdrwa/],
    [['setacl', '/x', ':anyone:r'], /not scheme:id:perms/],
    [['setacl', '/x', 'world:anyone:r', '--version', 'two'], /--version must be an integer/],
    [['getacl'], /missing path/],
    [['getacl', 'relative'], /must start with \//]
  ]
  const runs = await Promise.all(cases.map(([args]) => rk(args, asToken())))
  runs.forEach((r, i) => {
    t.equal(r.code, 2, cases[i][0].join(' '))
    t.match(r.stderr, cases[i][1])
    t.equal(r.stdout, '')
  })
})

t.test('PUT /v1/acl: If-Match and version, INVALIDACL, NONODE', async (t) => {
  const p = '/rest-acl'
  t.equal((await rk(['create', p], asToken())).code, 0)
  const put = async (body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${base()}/v1/acl${p}`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() }
  }
  const open = [{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }]
  t.same((await put({ acl: open }, { 'if-match': '"4"' })).body.error, 'BADVERSION')
  t.equal((await put({ acl: open }, { 'if-match': '"4"' })).status, 412)
  t.same((await put({ acl: open, version: 0 }, { 'if-match': '"1"' })).status, 400, 'If-Match and version disagree')
  t.same((await put({ acl: [] })).body.error, 'INVALIDACL')
  t.same((await put({ acl: open, extra: 1 })).status, 400, 'unknown fields are refused')
  const ok = await put({ acl: [{ scheme: 'world', id: 'anyone', perms: 31 }] }, { 'if-match': '"0"' })
  t.same([ok.status, ok.body.path, ok.body.stat.aversion], [200, p, 1])
  const missing = await fetch(`${base()}/v1/acl/rest-acl-missing`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ acl: open }) })
  t.same([missing.status, ((await missing.json()) as { error: string }).error], [404, 'NONODE'])
})
