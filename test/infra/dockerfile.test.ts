// The Dockerfile, without a container engine (none runs here): hadolint, the
// structure issue 10 asks for (multi-stage, slim runtime, non-root user,
// health check, no `latest`, only what is needed in the context), and the
// image's exact commands (ENTRYPOINT, HEALTHCHECK) run as processes from a
// built tree laid out as the runtime stage lays out /app.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { freePort } from '../support/ports'
import { REPO_ROOT, startRedkeeper } from '../support/redkeeper'
import { run, tool } from './tools'

interface Instruction { op: string, args: string, line: number }

/** Instructions of a Dockerfile: continuation lines joined, comments dropped. */
function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1
    let l = lines[i].trim()
    if (l === '' || l.startsWith('#')) continue
    while (l.endsWith('\\') && i + 1 < lines.length) {
      l = l.slice(0, -1).trimEnd() + ' ' + lines[++i].trim()
    }
    const m = /^(\S+)\s*(.*)$/.exec(l)
    if (m !== null) out.push({ op: m[1].toUpperCase(), args: m[2], line: start })
  }
  return out
}

/** .dockerignore as Docker reads it: the last matching pattern wins, `!` re-includes. */
function ignored (patterns: string[], path: string): boolean {
  let out = false
  for (const raw of patterns) {
    const neg = raw.startsWith('!')
    const p = (neg ? raw.slice(1) : raw).replace(/\/$/, '')
    const re = new RegExp('^' + p.split('**/').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('(?:.*/)?') + '(?:/.*)?$')
    if (re.test(path)) out = !neg
  }
  return out
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
const ins = parseDockerfile(dockerfile)
const stages: Instruction[][] = []
for (const i of ins) {
  if (i.op === 'FROM') stages.push([])
  stages[stages.length - 1]?.push(i)
}
const runtime = stages[stages.length - 1]
const execForm = (i: Instruction | undefined): string[] => {
  if (i === undefined) return []
  const json = i.args.replace(/^(--\S+\s+)*CMD\s+/, '')
  return JSON.parse(json) as string[]
}

t.test('hadolint finds nothing', async (t) => {
  const r = await run(tool('hadolint'), ['--no-color', '--failure-threshold', 'info', 'Dockerfile'], { cwd: REPO_ROOT })
  t.equal(r.code, 0, r.out)
})

t.test('structure: multi-stage, slim pinned bases, non-root, health check, exec-form entrypoint', async (t) => {
  t.ok(stages.length >= 2, `${stages.length} stages`)
  for (const s of stages) {
    const image = s[0].args.split(/\s+/)[0]
    t.match(image, /^[\w./-]+:[\w.-]+$/, `line ${s[0].line}: ${image} has an explicit tag`)
    t.notMatch(image, /:latest$/, `line ${s[0].line}: not latest`)
  }
  t.equal(runtime[0].args, 'node:20-bookworm-slim', 'the runtime is node:20-bookworm-slim')
  const build = stages.find((s) => s.some((i) => i.op === 'RUN' && i.args.includes('npm run build')))
  t.ok(build !== undefined && build !== runtime, 'the build runs in its own stage')
  t.notOk(runtime.some((i) => i.op === 'RUN' && /npm (ci|install)(?!.*--omit=dev)/.test(i.args)), 'no dev dependencies installed in the runtime stage')
  const deps = stages.find((s) => s.some((i) => i.op === 'RUN' && i.args.includes('npm ci --omit=dev')))
  t.ok(deps !== undefined, 'production dependencies come from npm ci --omit=dev')

  const user = runtime.filter((i) => i.op === 'USER').pop()
  t.ok(user !== undefined, 'the runtime stage sets USER')
  const uid = user?.args.split(':')[0] ?? ''
  t.match(uid, /^\d+$/, 'numeric, so runAsNonRoot can check it')
  t.not(uid, '0', 'not root')

  const health = runtime.find((i) => i.op === 'HEALTHCHECK')
  t.same(execForm(health), ['node', 'bin/healthcheck.js'])
  t.same(execForm(runtime.find((i) => i.op === 'ENTRYPOINT')), ['node', 'bin/redkeeper.js'], 'exec form: node is PID 1 and gets SIGTERM')
})

t.test('the build context: every COPY source exists and .dockerignore lets it in', async (t) => {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const copies = ins.filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !i.args.includes('--from='))
  t.ok(copies.length > 0)
  t.notOk(ins.some((i) => i.op === 'ADD'), 'COPY, not ADD')
  for (const c of copies) {
    const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'))
    for (const src of parts.slice(0, -1)) {
      t.ok(existsSync(join(REPO_ROOT, src)), `line ${c.line}: ${src} exists`)
      t.notOk(ignored(patterns, src.replace(/\/$/, '')), `line ${c.line}: ${src} is in the context`)
    }
  }
  for (const p of ['node_modules', 'dist', 'data', 'test/engine', '.git', 'src/x.test.ts']) t.ok(ignored(patterns, p), `${p} stays out of the context`)
})

t.test('the runtime layout after a build: entrypoint, library, proto files', async (t) => {
  // the runtime stage copies dist/, bin/ and package.json into /app (the repo root here)
  for (const p of ['bin/redkeeper.js', 'bin/healthcheck.js', 'dist/src/cli/main.js', 'dist/lua/redkeeper.lua', 'dist/hbase-proto', 'package.json']) {
    t.ok(existsSync(join(REPO_ROOT, p)), `${p} exists`)
  }
  t.ok(statSync(join(REPO_ROOT, 'dist/hbase-proto')).isDirectory())
  const help = await run(process.execPath, ['bin/redkeeper.js', '--help'], { cwd: REPO_ROOT })
  t.equal(help.code, 0, 'ENTRYPOINT + CMD (--help)')
  t.match(help.out, /Usage: redkeeper <command>/)
})

t.test('the HEALTHCHECK command, as the image runs it', async (t) => {
  const rk = await startRedkeeper()
  t.teardown(() => rk.destroy())
  const env: NodeJS.ProcessEnv = { ...process.env, REDKEEPER_HTTP_PORT: String(rk.httpPort) }
  delete env.REDKEEPER_HEALTHCHECK_URL
  const ok = await run(process.execPath, ['bin/healthcheck.js'], { cwd: REPO_ROOT, env })
  t.equal(ok.code, 0, `GET /healthz on REDKEEPER_HTTP_PORT: ${ok.out}`)
  const tcp = await run(process.execPath, ['bin/healthcheck.js'], { cwd: REPO_ROOT, env: { ...env, REDKEEPER_HEALTHCHECK_URL: `tcp://127.0.0.1:${rk.port}` } })
  t.equal(tcp.code, 0, `the sidecar's form: tcp:// to the client port: ${tcp.out}`)
  const closed = await freePort()
  const down = await run(process.execPath, ['bin/healthcheck.js'], { cwd: REPO_ROOT, env: { ...env, REDKEEPER_HTTP_PORT: String(closed) } })
  t.equal(down.code, 1, 'nothing listening: unhealthy')
  t.match(down.out, /ECONNREFUSED/)
  const notFound = await run(process.execPath, ['bin/healthcheck.js', `http://127.0.0.1:${rk.httpPort}/no-such-path`], { cwd: REPO_ROOT })
  t.equal(notFound.code, 1, 'a non-2xx answer: unhealthy')
})
