// The TLS rendering documented in infra/haproxy/README.md: the shipped
// renderer with a `ssl crt` bind and HAPROXY_SERVER_OPTS re-encrypting to the
// nodes gives a configuration haproxy accepts (test/distributed/tls-lb3 runs it).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { REPO_ROOT } from '../support/redkeeper'
import { makeTestPki } from '../support/tls'
import { run } from './tools'

const HAPROXY = join(REPO_ROOT, 'infra', 'haproxy')

t.test('render.sh with TLS on both sides: haproxy -c accepts it', async (t) => {
  const pki = makeTestPki()
  const render = await run('sh', [join(HAPROXY, 'render.sh'), join(HAPROXY, 'haproxy.cfg.template'), `:8443 ssl crt ${pki.serverPem}`, ':8404', '127.0.0.1:8443', '127.0.0.2:8443'],
    { env: { ...process.env, HAPROXY_SERVER_OPTS: `ssl verify required ca-file ${pki.caCert}` } })
  t.equal(render.code, 0, render.code === 0 ? 'rendered' : render.out)
  t.match(render.out, new RegExp(`bind :8443 ssl crt ${pki.serverPem}\n`))
  t.match(render.out, new RegExp(`server n2 127\\.0\\.0\\.2:8443 ssl verify required ca-file ${pki.caCert}\n`))
  const dir = mkdtempSync(join(tmpdir(), 'rk-haproxy-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'haproxy.cfg'), render.out)
  const check = await run('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')])
  t.equal(check.code, 0, check.code === 0 ? 'haproxy -c: valid' : check.out)
  // a missing certificate is haproxy's error, not a silent plain-text frontend
  writeFileSync(join(dir, 'bad.cfg'), render.out.replace(pki.serverPem, join(dir, 'missing.pem')))
  const bad = await run('haproxy', ['-c', '-f', join(dir, 'bad.cfg')])
  t.not(bad.code, 0, 'a missing crt file is refused')
})
