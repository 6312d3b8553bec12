// The config file through the real `redkeeper` process: a bad file is exit 2
// with one line per bad value, and `config print` shows each effective value
// with its source.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../support/cli'

const dir = mkdtempSync(join(tmpdir(), 'rk-config-print-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDKEEPER_')))

t.test('start with a bad config file: exit 2, one line per bad value, nothing started', async (t) => {
  const cfg = join(dir, 'bad.cfg')
  writeFileSync(cfg, 'tickTime=0\nclientPort=http\nmaxSessionTimeout=ten\n')
  const r = await runCli(['start', '--config', cfg, '--data-dir', join(dir, 'data')], { env: clean })
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.equal(r.stderr, [
    `redkeeper: ${cfg}:1: tickTime: '0' is not a positive integer`,
    `redkeeper: ${cfg}:2: clientPort: 'http' is not a port number (0-65535)`,
    `redkeeper: ${cfg}:3: maxSessionTimeout: 'ten' is not a positive integer`,
    ''
  ].join('\n'))
})

t.test('config print: the effective value and source of each setting', async (t) => {
  const cfg = join(dir, 'node.cfg')
  writeFileSync(cfg, 'redis=redis://rk:secret@10.1.1.1:6379\ntickTime=1000\nnamespace=file\ninitLimit=10\n')
  const r = await runCli(['config', 'print', 'node', '--config', cfg, '--namespace', 'flag'], { env: { ...clean, REDKEEPER_TICK_MS: '1500' } })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.split('\n')
  const line = (key: string): string | undefined => lines.find((l) => l.startsWith(`${key}=`) || l.startsWith(`# ${key} `))
  t.match(line('redis'), /^redis=redis:\/\/<hidden>@10\.1\.1\.1:6379 +# .*node\.cfg:1$/, 'the file, password masked')
  t.match(line('tick-ms'), /^tick-ms=1500 +# env REDKEEPER_TICK_MS$/, 'env beats the file')
  t.match(line('namespace'), /^namespace=flag +# flag$/, 'a flag beats the file')
  t.match(line('drain-timeout-ms'), /^# drain-timeout-ms +default: 10000$/)
  t.equal(r.stderr, `redkeeper: warning: ${cfg}:4: initLimit has no effect in redkeeper node (ignored)\n`)
  const bad = await runCli(['config', 'print', 'sidecar'], { env: clean })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /missing --upstream/)
  const what = await runCli(['config', 'print', 'nodes'], { env: clean })
  t.equal(what.code, 2)
  t.equal(what.stderr, "redkeeper: config print needs the command whose settings to print: start, node or sidecar (not 'nodes')\n")
})
