// The operator commands where no REST server answers: usage errors (exit 2),
// --help, and a server that cannot be reached or is not HTTP (exit 3).

import t from 'tap'
import { createServer, type Server } from 'node:net'
import { freePort } from '../support/ports'
import { rk, TOKEN } from './ops-suite'

t.setTimeout(60_000)

t.test('usage errors: exit 2, one line', async (t) => {
  const server = `http://127.0.0.1:${await freePort()}`
  const cases: Array<[string[], RegExp]> = [
    [['get'], /missing path/],
    [['get', 'relative'], /must start with \//],
    [['ls', '/', '/extra'], /unexpected argument '\/extra'/],
    [['get', '/', '--nope'], /unknown flag --nope/],
    [['set', '/x'], /missing data/],
    [['set', '/x', 'v', '--version', 'abc'], /--version must be an integer/],
    [['get', '/', '--hex', '--raw'], /exclusive/],
    [['create', '/x', '--hex', 'zz'], /not hex/],
    [['create', '/x', '--acl', 'world:anyone'], /scheme:id:perms/],
    [['create', '/x', '--mode', 'ephemeral'], /needs a ZooKeeper session/],
    [['tree', '/', '--depth', '65'], /at most 64/],
    [['ls', '/', '--server', 'ftp://h'], /http:\/\/ or https:\/\//],
    [['ls', '/', '--token', 't', '--user', 'u:p'], /not both/]
  ]
  const runs = await Promise.all(cases.map(([args]) => rk(args, { env: { REDKEEPER_SERVER: server } })))
  cases.forEach(([args, message], i) => {
    t.equal(runs[i].code, 2, args.join(' '))
    t.match(runs[i].stderr, message)
    t.match(runs[i].stderr, /^redkeeper: [^\n]+\n$/, 'one line')
  })
  const r = await rk(['ls', '/'], { env: { REDKEEPER_SERVER: 'not a url' } })
  t.same([r.code, r.stderr], [2, "redkeeper: REDKEEPER_SERVER 'not a url' is not a URL (e.g. http://127.0.0.1:8080)\n"])
})

t.test('--help names the exit codes; the command list has the operator commands', async (t) => {
  const [r, top] = await Promise.all([rk(['get', '--help']), rk(['--help'])])
  t.equal(r.code, 0)
  t.match(r.stdout, /Usage: redkeeper get <path>/)
  t.match(r.stdout, /Exit status: 0 done; 1 the server refused/)
  for (const c of ['ls', 'get', 'stat', 'tree', 'create', 'set', 'delete']) t.match(top.stdout, new RegExp(`\\n  ${c} +\\S`))
})

t.test('an unreachable server: exit 3, one line', async (t) => {
  const port = await freePort()
  const runs = await Promise.all([['ls', '/'], ['create', '/x', 'y']].map((args) => rk([...args, '--server', `http://127.0.0.1:${port}`, '--token', TOKEN])))
  for (const r of runs) {
    t.equal(r.code, 3)
    t.equal(r.stderr, `redkeeper: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`)
  }
})

t.test('a port that accepts but is not HTTP: exit 3', async (t) => {
  const server: Server = createServer((sock) => { sock.destroy() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const port = (server.address() as { port: number }).port
  const r = await rk(['stat', '/', '--server', `http://127.0.0.1:${port}`, '--timeout', '2000'])
  t.equal(r.code, 3)
  t.match(r.stderr, new RegExp(`^redkeeper: cannot reach http://127.0.0.1:${port}: \\S.*\\n$`))
})
