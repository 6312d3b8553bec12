import t from 'tap'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { targets, type Server } from '../support/targets'

// A real third-party parser of the four-letter words: go-zookeeper's
// FLWRuok, FLWSrvr and FLWCons (github.com/go-zookeeper/zk, the library
// behind many Go exporters), built here from the Go module proxy into
// ~/.cache/redkeeper. What it makes of redkeeper's answers (embedded and
// node1, through the sidecar) must be what it makes of ZooKeeper 3.8.0's.
//
// And kazoo (Python): command() reads the answer with a single recv, and
// server_version() parses `envi`. kazoo comes from the venv at
// ~/.cache/redkeeper/venv (or the system python3); missing, the test fails.

t.setTimeout(180_000)

const SRC = join(__dirname, 'flw')
const GO_HELP = 'this test builds go-zookeeper with Go (scripts/install-deps.sh installs golang-go) from the Go module proxy'

function run (cmd: string, args: string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv, timeout: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`, { cause: err }))
      else resolve(stdout)
    })
  })
}

/** The flw binary for this source, built once per source version. */
async function flwBinary (): Promise<string> {
  const hash = createHash('sha256')
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(SRC, f)))
  const dir = join(homedir(), '.cache', 'redkeeper', `flw-${hash.digest('hex').slice(0, 16)}`)
  const bin = join(dir, 'flw')
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  try {
    await run('go', ['version'], { timeout: 10_000 })
  } catch (err) {
    throw new Error(`Go is not available: ${GO_HELP}\n${(err as Error).message}`)
  }
  const tmp = `${bin}.${process.pid}`
  try {
    await run('go', ['build', '-mod=readonly', '-o', tmp, '.'], {
      cwd: SRC,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      timeout: 150_000
    })
  } catch (err) {
    throw new Error(`cannot build go-zookeeper's parsers: ${GO_HELP}\n${(err as Error).message}`)
  }
  renameSync(tmp, bin)
  return bin
}

interface Parsed {
  ruok: boolean
  srvr: { ok: boolean, error: string, mode: number, nodeCount: number, connections: number }
  cons: { ok: boolean, error: string, clients: Array<{ addr: string, sessionId: string, lop: string, timeout: number, lzxid: number }> }
}

/** Two sessions (timeouts 10 s and 12 s), the second after a create; then what go-zookeeper parses. */
async function parsed (bin: string, start: () => Promise<Server>): Promise<{ p: Parsed, sessions: string[], zxid: number }> {
  const server = await start()
  try {
    const a = await ZkClient.connect(server.address, { timeout: 10000 })
    const b = await ZkClient.connect(server.address, { timeout: 12000 })
    try {
      const made = await b.request({ type: OpCode.create, path: '/flw', data: Buffer.from('x'), dataLength: 1, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
      if (made.err !== Err.OK) throw new Error(`create failed: ${made.err}`)
      const p = JSON.parse(await run(bin, [server.address], { timeout: 30_000 })) as Parsed
      return { p, sessions: [a, b].map((c) => `0x${c.sessionIdBig.toString(16)}`), zxid: made.zxid }
    } finally {
      a.destroy()
      b.destroy()
    }
  } finally {
    await server.stop()
  }
}

t.test('go-zookeeper parses redkeeper as it parses ZooKeeper 3.8.0', async (t) => {
  const bin = await flwBinary()
  const all = targets({ names: ['zookeeper', 'redkeeper', 'node1'] })
  const [zk, ...ours] = await Promise.all(all.map(async (x) => ({ name: x.name, ...await parsed(bin, x.start) })))

  // What ZooKeeper itself gets, so the comparisons below mean something:
  t.equal(zk.p.ruok, true, 'FLWRuok: ZooKeeper is ok')
  // go-zookeeper's srvr regex wants "built on MM/dd/yyyy"; ZooKeeper 3.8
  // prints "built on yyyy-MM-dd", so FLWSrvr fails on ZooKeeper itself.
  t.same([zk.p.srvr.ok, zk.p.srvr.error], [false, 'unable to parse fields from zookeeper response (no regex matches)'], 'FLWSrvr on ZooKeeper 3.8')
  // FLWCons parses each session's line; the asking connection's own line
  // (no session) does not match its regex, which clears the ok flag.
  t.equal(zk.p.cons.ok, false, 'FLWCons on ZooKeeper 3.8: not ok (its own connection line)')

  for (const o of ours) {
    t.test(o.name, async (t) => {
      t.equal(o.p.ruok, zk.p.ruok, 'FLWRuok as ZooKeeper')
      t.same(o.p.srvr, zk.p.srvr, 'FLWSrvr as ZooKeeper')
      // a node answers over HTTP: no line for the asking connection, so ok
      t.equal(o.p.cons.error, zk.p.cons.error, 'FLWCons: no error kept, as ZooKeeper')
      if (o.name === 'redkeeper') t.equal(o.p.cons.ok, zk.p.cons.ok, 'FLWCons ok flag as ZooKeeper')
      else t.equal(o.p.cons.ok, true, 'FLWCons: every line of a node parses')
      const view = (x: typeof zk): Array<[string, number, string]> =>
        x.p.cons.clients.map((c): [string, number, string] => [x.sessions.indexOf(c.sessionId) === 0 ? 'a' : x.sessions.indexOf(c.sessionId) === 1 ? 'b' : '?', c.timeout, c.lop]).sort()
      t.same(view(o), view(zk), 'FLWCons: each session with its timeout and last operation')
      t.same(view(o), [['a', 10000, 'SESS'], ['b', 12000, 'CREA']])
      const b = o.p.cons.clients.find((c) => c.sessionId === o.sessions[1])
      t.equal(b?.lzxid, o.zxid, 'FLWCons: the last zxid, parsed from hex')
      t.match(b?.addr ?? '', /^127\.0\.0\.1:\d+$/, 'FLWCons: the client address')
    })
  }
})

/** A Python with kazoo: the venv another suite installs it into, else the system's. */
async function kazooPython (): Promise<string> {
  const candidates = [join(homedir(), '.cache', 'redkeeper', 'venv', 'bin', 'python3'), 'python3']
  for (const py of candidates) {
    try {
      await run(py, ['-c', 'import kazoo'], { timeout: 20_000 })
      return py
    } catch { /* next */ }
  }
  throw new Error(`kazoo is not installed: tried ${candidates.join(', ')} (pip install kazoo into ~/.cache/redkeeper/venv)`)
}

interface KazooSays { ruok: string, version: number[], srvr: string, wchs: string, conf: string }

async function kazooSays (py: string, start: () => Promise<Server>): Promise<KazooSays> {
  const server = await start()
  try {
    return JSON.parse(await run(py, [join(__dirname, 'kazoo_flw.py'), server.address], { timeout: 60_000 })) as KazooSays
  } finally {
    await server.stop()
  }
}

t.test('kazoo reads redkeeper\'s words as it reads ZooKeeper 3.8.0\'s', async (t) => {
  const py = await kazooPython()
  const all = targets({ names: ['zookeeper', 'redkeeper', 'node1'] })
  const [zk, ...ours] = await Promise.all(all.map(async (x) => ({ name: x.name, says: await kazooSays(py, x.start) })))
  t.equal(zk.says.ruok, 'imok')
  t.same(zk.says.version, [3, 8, 0], 'server_version() parses envi')
  const firstWords = (text: string): string[] => text.split('\n').map((l) => l.split(/[:=]/)[0])
  for (const o of ours) {
    t.equal(o.says.ruok, zk.says.ruok, `${o.name}: command(b"ruok")`)
    t.same(o.says.version, zk.says.version, `${o.name}: server_version()`)
    t.same(firstWords(o.says.srvr), firstWords(zk.says.srvr), `${o.name}: command(b"srvr") gets every line in one read`)
    t.same(firstWords(o.says.conf), firstWords(zk.says.conf), `${o.name}: command(b"conf") gets every line in one read`)
    t.match(o.says.wchs, /^\d+ connections watching \d+ paths\nTotal watches:\d+\n$/, `${o.name}: command(b"wchs")`)
  }
})
