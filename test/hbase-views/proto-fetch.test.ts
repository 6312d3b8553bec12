// scripts/hbase/fetch-proto.js: the build's step that brings HBase's .proto
// files from Maven Central. A fetch that fails must fail the build with one
// clear line and leave nothing half-made behind.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { PROTO_FILES } from '../../src/hbase'

const root = join(__dirname, '..', '..')
const script = join(root, 'scripts', 'hbase', 'fetch-proto.js')

t.test('the build put every needed file in dist/hbase-proto', async (t) => {
  const dir = join(root, 'dist', 'hbase-proto')
  for (const f of PROTO_FILES) t.ok(existsSync(join(dir, f)), f)
  t.match(readFileSync(join(dir, 'SOURCE'), 'utf8'), /^org\.apache\.hbase:hbase-protocol-shaded:2\.5\.\d+-hadoop3:jar\n$/)
})

t.test('an artifact Maven Central does not have: exit 1, one line, no output', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'rk-proto-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const dest = join(tmp, 'dest')
  const r = spawnSync(process.execPath, [script, dest], {
    env: { ...process.env, HBASE_VERSION: '0.0.0-no-such-version', REDKEEPER_CACHE: join(tmp, 'cache') },
    encoding: 'utf8',
    timeout: 120_000
  })
  t.equal(r.status, 1)
  const lines = r.stderr.trim().split('\n')
  t.equal(lines.length, 1, r.stderr)
  t.match(lines[0], /^hbase-proto: cannot fetch org\.apache\.hbase:hbase-protocol-shaded:0\.0\.0-no-such-version:jar from Maven Central/)
  t.notOk(existsSync(dest), 'no destination folder')
  t.notOk(existsSync(join(tmp, 'cache', 'hbase-proto-0.0.0-no-such-version')), 'nothing cached')
})
