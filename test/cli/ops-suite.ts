// The operator commands (ls, get, stat, tree, create, set, delete) driven as
// a user would: the built bin/redkeeper.js as a child process against a real
// server's REST port, exit codes checked and --json parsed. Shared by the
// embedded and node1 files.

import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, startRedkeeper, type RedkeeperHandle } from '../support/redkeeper'
import { startTopology, type Topology } from '../support/topology'
import { digestOf, restArgs, TOKEN } from '../http/rest-suite'

export { restArgs, TOKEN }

const BIN = join(REPO_ROOT, 'bin', 'redkeeper.js')

export interface Run { code: number | null, stdout: string, stderr: string, bytes: Buffer }

/** Runs `redkeeper <args>` to completion, with `input` on stdin; REDKEEPER_* from the caller only. */
export function rk (args: string[], opts: { env?: Record<string, string>, input?: Buffer | string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of ['REDKEEPER_SERVER', 'REDKEEPER_TOKEN', 'REDKEEPER_USER']) delete env[k]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { out.push(d) })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redkeeper ${args.join(' ')} did not exit within 20 s\nstderr: ${stderr}`))
    }, 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const bytes = Buffer.concat(out)
      resolve({ code, stdout: bytes.toString('utf8'), stderr, bytes })
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** Parses the one JSON document --json prints. */
export function json (r: Run): any {
  return JSON.parse(r.stdout)
}

/** The suite, in two parts so that each file stays well under a minute (every check is a process start). */
export type OpsPart = 'basics' | 'data'

export function opsSuite (t: Test, base: () => string, prefix: string, part: OpsPart): void {
  // the token acts as digest:tokenuser (restArgs), which may write open znodes
  const as = (extra: Record<string, string> = {}): { env: Record<string, string> } =>
    ({ env: { REDKEEPER_SERVER: base(), REDKEEPER_TOKEN: TOKEN, ...extra } })
  const root = `/${prefix}`

  if (part === 'basics') basics(t, as, root)
  else data(t, as, root, base)
}

type As = (extra?: Record<string, string>) => { env: Record<string, string> }

function basics (t: Test, as: As, root: string): void {
  t.test('create, ls, get, stat, set, delete: human output and --json', async (t) => {
    let r = await rk(['create', root, 'top'], as())
    t.same([r.code, r.stdout, r.stderr], [0, `Created ${root}\n`, ''])
    r = await rk(['create', `${root}/b`, '--json'], as())
    t.equal(r.code, 0)
    t.equal(json(r).path, `${root}/b`)
    t.equal(json(r).stat.version, 0)
    const made = await Promise.all([rk(['create', `${root}/a`, 'α text'], as()), rk(['create', `${root}/b/deep`], as())])
    t.same(made.map((m) => m.code), [0, 0])

    // independent reads, in parallel: each is a process start
    const [ls, lsJson, lsLong, getA, getB, getJson, stat, statJson] = await Promise.all([
      rk(['ls', root], as()), rk(['ls', root, '--json'], as()), rk(['ls', '-l', root], as()),
      rk(['get', `${root}/a`], as()), rk(['get', `${root}/b`], as()), rk(['get', `${root}/a`, '--json'], as()),
      rk(['stat', root], as()), rk(['stat', root, '--json'], as())
    ])
    t.same([ls.code, ls.stdout], [0, 'a\nb\n'], 'ls: names, sorted, one per line')
    t.same(json(lsJson).children, ['a', 'b'])
    t.equal(json(lsJson).stat.numChildren, 2)
    t.equal(lsLong.code, 0)
    const lines = lsLong.stdout.trimEnd().split('\n')
    t.match(lines[0], /^NAME\s+VERSION\s+DATALENGTH\s+CHILDREN\s+MTIME$/)
    t.match(lines[1], /^a\s+0\s+7\s+0\s+\d{4}-\d\d-\d\dT/, 'a: version 0, 7 bytes of UTF-8, no children')
    t.match(lines[2], /^b\s+0\s+0\s+1\s+/)
    t.equal(lines.length, 3)

    t.same([getA.code, getA.stdout], [0, 'α text\n'])
    t.equal(getB.stdout, 'null\n', 'null data prints as zkCli prints it')
    t.same({ ...json(getJson), stat: undefined }, { path: `${root}/a`, data: 'α text', encoding: 'text', stat: undefined })

    t.equal(stat.code, 0)
    t.match(stat.stdout, /^cZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\nmZxid = 0x[0-9a-f]+\nmtime = .+\npZxid = 0x[0-9a-f]+\ncversion = 2\ndataVersion = 0\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 3\nnumChildren = 2\n$/)
    const st = json(statJson)
    t.equal(st.stat.numChildren, 2)
    t.equal(st.stat.dataLength, 3)
    t.match(stat.stdout, `cZxid = 0x${(st.stat.czxid as number).toString(16)}\n`)

    r = await rk(['set', root, 'v1'], as())
    t.same([r.code, r.stdout, r.stderr], [0, '', ''], 'set prints nothing')
    r = await rk(['set', root, 'v2', '--version', '1', '--json'], as())
    t.equal(r.code, 0)
    t.equal(json(r).stat.version, 2)
    r = await rk(['set', root, 'v3', '--version', '1', '-s'], as())
    t.equal(r.code, 1, 'BADVERSION is a refusal: exit 1')
    t.equal(r.stderr, `BADVERSION: ${root}\n`)
    t.equal(r.stdout, '')
    t.equal((await rk(['get', root], as())).stdout, 'v2\n', 'the refused set changed nothing')
    r = await rk(['set', root, 'v3', '--version', '2', '-s'], as())
    t.match(r.stdout, /\ndataVersion = 3\n/)

    r = await rk(['delete', root], as())
    t.same([r.code, r.stderr], [1, `NOTEMPTY: ${root}\n`])
    r = await rk(['delete', `${root}/a`, '--version', '7'], as())
    t.same([r.code, r.stderr], [1, `BADVERSION: ${root}/a\n`])
    r = await rk(['delete', `${root}/a`, '--version', '0'], as())
    t.same([r.code, r.stdout, r.stderr], [0, '', ''])
    r = await rk(['delete', '-r', root, '--json'], as())
    t.equal(r.code, 0)
    t.same(json(r), { path: root, deleted: 3 })
    r = await rk(['get', root], as())
    t.same([r.code, r.stdout, r.stderr], [1, '', `NONODE: ${root}\n`])
    const missing = [['ls', root], ['stat', root], ['tree', root], ['set', root, 'x'], ['delete', root], ['create', `${root}/x/y`]]
    const runs = await Promise.all(missing.map((cmd) => rk(cmd, as())))
    missing.forEach((cmd, i) => {
      t.equal(runs[i].code, 1, `${cmd[0]} on a missing znode: exit 1`)
      t.match(runs[i].stderr, /^NONODE: \/\S+\n$/, `${cmd[0]}: one line naming NONODE`)
    })
  })

  t.test('create modes and NODEEXISTS', async (t) => {
    const p = `${root}-modes`
    t.equal((await rk(['create', p], as())).code, 0)
    let r = await rk(['create', p], as())
    t.same([r.code, r.stderr], [1, `NODEEXISTS: ${p}\n`])
    r = await rk(['create', `${p}/job-`, 'x', '--mode', 'persistent_sequential'], as())
    t.same([r.code, r.stdout], [0, `Created ${p}/job-0000000000\n`], 'the sequential name is printed')
    r = await rk(['create', `${p}/c`, '--mode', 'container', '--json'], as())
    t.equal(r.code, 0)
    t.equal(json(r).path, `${p}/c`)
    r = await rk(['create', `${p}/t`, '--ttl', '1000'], as())
    t.equal(r.code, 1, 'TTL without extended types: refused by the server, as ZooKeeper does')
    t.match(r.stderr, /^UNIMPLEMENTED: .+\n$/)
    r = await rk(['create', `${p}/e`, '--mode', 'ephemeral'], as())
    t.equal(r.code, 2, 'ephemeral: no session to own it, a usage error')
    t.equal((await rk(['delete', '-r', p], as())).code, 0)
  })

}

function data (t: Test, as: As, root: string, base: () => string): void {
  t.test('binary data round trip: --file, --hex, --base64, --raw, stdin', async (t) => {
    const p = `${root}-bin`
    const bytes = Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a]), randomBytes(3000)])
    const dir = mkdtempSync(join(tmpdir(), 'rk-ops-'))
    const file = join(dir, 'blob')
    writeFileSync(file, bytes)
    t.equal((await rk(['create', p, '--file', file], as())).code, 0)
    const [raw, hex, b64, js, plain] = await Promise.all([['--raw'], ['--hex'], ['--base64'], ['--json'], []].map((f) => rk(['get', p, ...f], as())))
    t.equal(raw.code, 0)
    t.ok(raw.bytes.equals(bytes), '--raw gives back the exact bytes')
    t.equal(hex.stdout, bytes.toString('hex') + '\n')
    t.equal(b64.stdout, bytes.toString('base64') + '\n')
    t.equal(json(js).encoding, 'base64', 'not UTF-8: --json carries base64')
    t.equal(json(js).data, bytes.toString('base64'))
    t.equal(json(js).stat.dataLength, bytes.length)
    t.ok(plain.bytes.equals(bytes), 'binary data is written as it is by default')
    let r: Run

    t.equal((await rk(['set', p, '--hex', '00ff41'], as())).code, 0)
    t.equal((await rk(['get', p, '--hex'], as())).stdout, '00ff41\n')
    t.equal((await rk(['set', p, '--base64', 'AAEC'], as())).code, 0)
    t.equal((await rk(['get', p, '--hex'], as())).stdout, '000102\n')

    r = await rk(['set', p, '-'], { ...as(), input: bytes })
    t.equal(r.code, 0)
    t.ok((await rk(['get', p, '--raw'], as())).bytes.equals(bytes), 'set - reads stdin as bytes')
    r = await rk(['create', `${p}/s`, '-'], { ...as(), input: 'from stdin\n' })
    t.equal(r.code, 0)
    t.equal((await rk(['get', `${p}/s`], as())).stdout, 'from stdin\n\n')
    r = await rk(['set', `${p}/s`, '--file', '-'], { ...as(), input: '' })
    t.equal(r.code, 0)
    r = await rk(['get', `${p}/s`, '--json'], as())
    t.same([json(r).data, json(r).stat.dataLength], ['', 0], 'empty stdin is empty data, not null')
    t.equal((await rk(['delete', '-r', p], as())).code, 0)
  })

  t.test('tree: indented, --depth, --data, --json', async (t) => {
    const p = `${root}-tree`
    // one level at a time: a parent before its children
    for (const level of [[[p, 'top']], [[`${p}/x`, '1'], [`${p}/y`, '2']], [[`${p}/x/x1`, '']], [[`${p}/x/x1/deep`, '']]]) {
      const made = await Promise.all(level.map(([path, d]) => rk(['create', path, d], as())))
      t.ok(made.every((m) => m.code === 0), `created ${level.map(([path]) => path).join(', ')}`)
    }
    const [full, d1, d1data, js, cut] = await Promise.all([[], ['--depth', '1'], ['--depth', '1', '--data'], ['--json', '--depth', '2'], ['--limit', '2']]
      .map((f) => rk(['tree', p, ...f], as())))
    t.same([full.code, full.stdout], [0, `${p}\n  x\n    x1\n      deep\n  y\n`])
    t.equal(d1.stdout, `${p}\n  x  (1 child below --depth)\n  y\n`)
    t.equal(d1data.stdout, `${p}  = "top"\n  x  = "1"  (1 child below --depth)\n  y  = "2"\n`)
    const doc = json(js)
    t.equal(doc.path, p)
    t.equal(doc.truncated, true, 'deep is below --depth 2')
    t.same(doc.nodes.map((n: { path: string }) => n.path), [p, `${p}/x`, `${p}/y`, `${p}/x/x1`], 'breadth first')
    t.equal(cut.code, 0)
    t.equal(cut.stdout.split('\n').length - 1, 2)
    t.match(cut.stderr, /cut at --limit 2/)
    t.equal((await rk(['delete', '-r', p], as())).code, 0)
  })

  t.test('credentials: ACLs (NOAUTH), anonymous writes and bad tokens (exit 3), env vs flags', async (t) => {
    const p = `${root}-acl`
    const alice = ['--user', 'alice:apw']
    let r = await rk(['create', p, 'secret', '--acl', `digest:${digestOf('alice', 'apw')}:cdrwa`, ...alice], { env: { REDKEEPER_SERVER: base() } })
    t.equal(r.code, 0)
    r = await rk(['get', p, ...alice, '--server', base()])
    t.same([r.code, r.stdout], [0, 'secret\n'], 'alice reads her znode')
    r = await rk(['get', p], { env: { REDKEEPER_SERVER: base(), REDKEEPER_USER: 'bob:bpw' } })
    t.same([r.code, r.stdout, r.stderr], [1, '', `NOAUTH: ${p}\n`], 'bob may not: NOAUTH, exit 1')
    r = await rk(['get', p, ...alice], { env: { REDKEEPER_SERVER: base(), REDKEEPER_TOKEN: TOKEN } })
    t.equal(r.code, 0, '--user replaces REDKEEPER_TOKEN')
    r = await rk(['get', p], as())
    t.equal(r.code, 1, 'the token acts as digest:tokenuser, not alice')
    r = await rk(['create', `${root}-anon`, '--server', base()])
    t.equal(r.code, 3, 'an anonymous write is refused for want of credentials: exit 3')
    t.match(r.stderr, /^redkeeper: AUTHREQUIRED: /)
    r = await rk(['ls', '/', '--token', 'not-the-token-at-all', '--server', base()])
    t.equal(r.code, 3)
    t.match(r.stderr, /^redkeeper: AUTHFAILED: /)
    t.equal((await rk(['ls', '/', '--server', base()])).code, 0, 'anonymous reads of open znodes are fine')
    t.equal((await rk(['delete', p, ...alice, '--server', base()])).code, 0)
  })
}

/** `part` of the suite against a real embedded server (redkeeper start). */
export function opsOnEmbedded (t: Test, part: OpsPart): void {
  let server: RedkeeperHandle | undefined
  t.before(async () => { server = await startRedkeeper({ args: restArgs() }) })
  t.teardown(() => server?.destroy())
  opsSuite(t, () => {
    if (server === undefined) throw new Error('server not started')
    return `http://127.0.0.1:${server.httpPort}`
  }, `ops-embedded-${part}`, part)
}

/** `part` of the suite against a service node (redkeeper node over a real redis-server). */
export function opsOnNode1 (t: Test, part: OpsPart): void {
  let topo: Topology | undefined
  t.before(async () => { topo = await startTopology('node1', { node: { args: restArgs() } }) })
  t.teardown(() => topo?.stop())
  opsSuite(t, () => {
    if (topo === undefined) throw new Error('topology not started')
    return `http://127.0.0.1:${topo.nodes[0].httpPort}`
  }, `ops-node-${part}`, part)
}
