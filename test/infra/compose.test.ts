// infra/compose.yaml without a container engine: the compose-spec JSON
// schema (check-jsonschema's vendored copy), then what a schema cannot see:
// references between services, volumes, files, the .env knobs, and every
// REDKEEPER_* variable being one the command really reads.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { NODE_SETTINGS } from '../../src/cli/node'
import { SIDECAR_SETTINGS } from '../../src/cli/sidecar'
import { REPO_ROOT } from '../support/redkeeper'
import { loadYamlDocs, run, tool } from './tools'

const INFRA = join(REPO_ROOT, 'infra')
const COMPOSE = join(INFRA, 'compose.yaml')

interface Service {
  image?: string
  build?: { context: string, dockerfile?: string }
  command?: string[] | string
  entrypoint?: string[]
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  volumes?: string[]
}
interface ComposeFile { services: Record<string, Service>, volumes?: Record<string, unknown> }

async function loadYaml (file: string): Promise<unknown> {
  return (await loadYamlDocs(file))[0]
}

/** KEY=VALUE lines of an env file. */
function envKeys (file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('=')[0])
}

t.test('compose.yaml is valid against the compose-spec schema', async (t) => {
  const r = await run(tool('check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', COMPOSE])
  t.equal(r.code, 0, r.out)
})

t.test('references: services, volumes, files, .env knobs', async (t) => {
  const c = await loadYaml(COMPOSE) as ComposeFile
  const names = Object.keys(c.services)
  for (const want of ['redis-primary', 'redis-replica', 'sentinel1', 'sentinel2', 'sentinel3', 'node1', 'node2', 'node3', 'haproxy', 'sidecar', 'hbase-master', 'hbase-regionserver']) {
    t.ok(names.includes(want), `service ${want}`)
  }
  for (const [name, s] of Object.entries(c.services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) t.ok(names.includes(dep), `${name} depends on ${dep}, a service`)
    t.notOk(Object.keys(s.depends_on ?? {}).includes(name), `${name} does not depend on itself`)
    for (const v of s.volumes ?? []) {
      const src = v.split(':')[0]
      if (src.startsWith('.') || src.startsWith('/')) t.ok(existsSync(join(INFRA, src)), `${name}: ${src} exists`)
      else t.ok(c.volumes !== undefined && src in c.volumes, `${name}: volume ${src} is declared`)
    }
    if (s.build !== undefined) {
      const ctx = join(INFRA, s.build.context)
      t.ok(existsSync(join(ctx, s.build.dockerfile ?? 'Dockerfile')), `${name}: its Dockerfile exists`)
    }
    if (s.image === undefined && s.build === undefined) t.fail(`${name} has neither image nor build`)
  }
  // every ${VAR} the file uses is a knob of .env.example, and .env has the same knobs
  const used = new Set(Array.from(readFileSync(COMPOSE, 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g), (m) => m[1]))
  const example = envKeys(join(INFRA, '.env.example'))
  for (const v of used) t.ok(example.includes(v), `\${${v}} is in .env.example`)
  t.same(envKeys(join(INFRA, '.env')).sort(), [...example].sort(), '.env has the knobs of .env.example')
})

t.test('every REDKEEPER_* variable is one the command reads', async (t) => {
  const c = await loadYaml(COMPOSE) as ComposeFile
  const readBy: Record<string, Set<string>> = {
    node: new Set([...NODE_SETTINGS.map((s) => s.env), 'REDKEEPER_CONFIG', 'REDKEEPER_HEALTHCHECK_URL']),
    sidecar: new Set([...SIDECAR_SETTINGS.map((s) => s.env), 'REDKEEPER_CONFIG', 'REDKEEPER_HEALTHCHECK_URL'])
  }
  let checked = 0
  for (const [name, s] of Object.entries(c.services)) {
    if (s.image?.includes('REDKEEPER_IMAGE') === true || (s.image ?? '').startsWith('redkeeper:')) {
      const cmd = Array.isArray(s.command) ? s.command[0] : undefined
      t.ok(cmd === 'node' || cmd === 'sidecar', `${name} runs redkeeper ${cmd ?? '?'}`)
      const known = readBy[cmd ?? '']
      for (const k of Object.keys(s.environment ?? {}).filter((k) => k.startsWith('REDKEEPER_'))) {
        t.ok(known?.has(k), `${name}: ${k} is read by redkeeper ${cmd ?? '?'}`)
        checked++
      }
    }
  }
  t.ok(checked >= 10, `${checked} variables checked`)
})

t.test('the haproxy command of compose renders a configuration haproxy accepts', async (t) => {
  const c = await loadYaml(COMPOSE) as ComposeFile
  const line = (c.services.haproxy.command as string[])[0]
  const m = /render\.sh \S+ (\S+) (\S+) (.+?)\s+>/.exec(line)
  t.ok(m !== null, line)
  if (m === null) return
  const backends = m[3].split(/\s+/).map((b) => b.replace(/^node\d/, '127.0.0.1'))
  const render = await run('sh', [join(INFRA, 'haproxy', 'render.sh'), join(INFRA, 'haproxy', 'haproxy.cfg.template'), m[1], m[2], ...backends], { env: { ...process.env, HAPROXY_SERVER_OPTS: c.services.haproxy.environment?.HAPROXY_SERVER_OPTS ?? '' } })
  t.equal(render.code, 0, render.out)
  t.match(render.out, /server n3 127\.0\.0\.1:8080 init-addr last,libc,none/)
  const dir = mkdtempSync(join(tmpdir(), 'rk-haproxy-check-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'haproxy.cfg'), render.out)
  const check = await run('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')])
  t.equal(check.code, 0, check.out)
  const bad = await run('sh', [join(INFRA, 'haproxy', 'render.sh'), join(INFRA, 'haproxy', 'haproxy.cfg.template'), ':1', ':2', 'no port'])
  t.equal(bad.code, 2, 'a bad backend is refused')
})

t.test('the example HBase image: hadolint', async (t) => {
  const r = await run(tool('hadolint'), ['--no-color', '--failure-threshold', 'info', 'infra/hbase/Dockerfile'], { cwd: REPO_ROOT })
  t.equal(r.code, 0, r.out)
})
