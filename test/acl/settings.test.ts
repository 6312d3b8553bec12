// The auth settings of `redkeeper start` and `redkeeper node`: bad values are
// refused at start with a message naming the flag or file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseNodeArgs } from '../../src/cli/node'
import { parseStartArgs } from '../../src/cli/start'
import { UsageError } from '../../src/cli/errors'
import { parseJaasUsers } from '../../src/auth/jaas'
import { SUPER_DIGEST, serverJaas } from './scenario'

const dir = mkdtempSync(join(tmpdir(), 'rk-acl-settings-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('a good configuration, by flag and by environment', async (t) => {
  const jaas = join(dir, 'ok.jaas')
  writeFileSync(jaas, serverJaas())
  const parsed = parseStartArgs(['--super-digest', SUPER_DIGEST, '--sasl-users', jaas, '--sasl-super-user', 'super'], {})
  if (parsed === 'help') throw new Error('help')
  t.equal(parsed.auth.superDigest, SUPER_DIGEST)
  t.same([...(parsed.auth.saslUsers ?? new Map())], [['super', 'sasl-super-pw'], ['bob', 'bob-pw']])
  t.equal(parsed.auth.saslSuperUser, 'super')
  const node = parseNodeArgs(['--redis', 'redis://127.0.0.1:1'], { REDKEEPER_SUPER_DIGEST: SUPER_DIGEST, REDKEEPER_SASL_USERS: jaas })
  if (node === 'help') throw new Error('help')
  t.equal(node.auth.superDigest, SUPER_DIGEST)
  t.equal(node.auth.saslUsers?.get('bob'), 'bob-pw')
  const none = parseStartArgs([], {})
  if (none === 'help') throw new Error('help')
  t.same(none.auth, {}, 'no auth settings: the stock schemes only')
})

t.test('bad values are usage errors naming their source', async (t) => {
  t.throws(() => parseStartArgs(['--super-digest', 'super:short'], {}), new UsageError("--super-digest: 'super:short' is not a digest (super:<base64 sha1>, as DigestAuthenticationProvider prints it)"))
  t.throws(() => parseStartArgs([], { REDKEEPER_SUPER_DIGEST: 'nocolon' }), { name: 'UsageError', message: /^REDKEEPER_SUPER_DIGEST: / })
  t.throws(() => parseStartArgs(['--sasl-users', join(dir, 'missing.jaas')], {}), { name: 'UsageError', message: /cannot read the JAAS file .*missing\.jaas/ })
  const noServer = join(dir, 'client-only.jaas')
  writeFileSync(noServer, 'Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="a" password="b"; };\n')
  t.throws(() => parseNodeArgs(['--redis', 'redis://127.0.0.1:1', '--sasl-users', noServer], {}), { name: 'UsageError', message: /no 'Server' section/ })
})

t.test('JAAS files as ZooKeeper users write them', async (t) => {
  const users = parseJaasUsers([
    '/* block */ Client { x required username="u" password="p"; };',
    'Server {',
    '  // a comment with user_fake="no"',
    '  org.apache.zookeeper.server.auth.DigestLoginModule required',
    '  user_admin="a\\"b"',
    '  user_x="semi;colon}"',
    '  debug="true";',
    '};'
  ].join('\n'))
  t.same([...users], [['admin', 'a"b'], ['x', 'semi;colon}']])
  t.throws(() => parseJaasUsers('Server { x required; };'), { name: 'JaasError', message: /no user_<name>/ })
  t.throws(() => parseJaasUsers('Server { x required user_a="b'), { name: 'JaasError', message: /unterminated/ })
  t.throws(() => parseJaasUsers('Server { x required user_a="b";'), { name: 'JaasError', message: /not closed/ })
})

t.test('enforcement, the JAAS section and allowSaslFailedClients', async (t) => {
  const jaas = join(dir, 'section.jaas')
  writeFileSync(jaas, serverJaas().replace(/^Server \{/m, 'ZkServer {'))
  const parsed = parseStartArgs(['--sasl-users', jaas, '--sasl-section', 'ZkServer', '--enforce-auth-schemes', 'sasl, digest', '--allow-sasl-failed-clients', 'true'], {})
  if (parsed === 'help') throw new Error('help')
  t.equal(parsed.auth.saslUsers?.get('bob'), 'bob-pw', 'users from the named section')
  t.same(parsed.auth.enforceAuthSchemes, ['sasl', 'digest'], 'split on commas and trimmed, as AuthenticationHelper does')
  t.equal(parsed.auth.allowSaslFailedClients, true)
  const node = parseNodeArgs(['--redis', 'redis://127.0.0.1:1'], { REDKEEPER_ENFORCE_AUTH_SCHEMES: 'digest', REDKEEPER_ALLOW_SASL_FAILED_CLIENTS: 'false' })
  if (node === 'help') throw new Error('help')
  t.same(node.auth, { enforceAuthSchemes: ['digest'] })
  t.throws(() => parseStartArgs(['--sasl-users', jaas], {}), { name: 'UsageError', message: /no 'Server' section/ }, 'the default section is Server')
  t.throws(() => parseStartArgs(['--enforce-auth-schemes', 'kerberos'], {}), new UsageError("--enforce-auth-schemes: authentication scheme 'kerberos' is not available (digest, ip, sasl)"))
  t.throws(() => parseStartArgs(['--enforce-auth-schemes', 'sasl'], {}), new UsageError("--enforce-auth-schemes: authentication scheme 'sasl' is not available (sasl needs --sasl-users)"))
  t.throws(() => parseStartArgs(['--enforce-auth-schemes', 'digest,'], {}), { name: 'UsageError', message: /^--enforce-auth-schemes: 'digest,' is not a comma-separated list/ })
  t.throws(() => parseStartArgs(['--allow-sasl-failed-clients', 'maybe'], {}), { name: 'UsageError', message: /^--allow-sasl-failed-clients: 'maybe' is not a boolean/ })
  t.same(parseJaasUsers('a.b { x required user_u="p"; }; Server { x required user_v="q"; };', 'a.b'), new Map([['u', 'p']]), 'section names are matched literally')
})
