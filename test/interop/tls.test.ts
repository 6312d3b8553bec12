import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { runCli } from '../support/cli'
import { fourLetterWord } from '../support/fourlw'
import { httpGet } from '../support/launch'
import { freePort } from '../support/ports'
import { startRedkeeper } from '../support/redkeeper'
import { javaClientTlsFlags, makeTestPki } from '../support/tls'
import { NETTY_CODEC_JARS, startZooKeeper } from '../support/zookeeper'
import { zkCliBatchWith } from '../support/zkcli'

// The secure client port (ZooKeeper's secureClientPort) with PEM files made
// by openssl at test time: the Java client's TLS options work against real
// ZooKeeper 3.8 and against redkeeper with the same files, and redkeeper
// refuses what ZooKeeper's trust manager refuses.

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const pki = makeTestPki()
const read = (f: string): Buffer => readFileSync(f)

t.test('real ZooKeeper 3.8 (oracle): zkCli over TLS with PEM stores', async (t) => {
  const securePort = await freePort()
  const zk = await startZooKeeper({
    classpath: NETTY_CODEC_JARS,
    config: { secureClientPort: String(securePort), serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory' },
    jvmFlags: [
      `-Dzookeeper.ssl.keyStore.location=${pki.serverPem}`, '-Dzookeeper.ssl.keyStore.type=PEM',
      `-Dzookeeper.ssl.trustStore.location=${pki.caCert}`, '-Dzookeeper.ssl.trustStore.type=PEM'
    ]
  })
  t.teardown(() => zk.stop())
  const out = await zkCliBatchWith(javaClientTlsFlags(pki.caCert, pki.clientPem), `127.0.0.1:${securePort}`, 'create', '/tls', 'hello')
  t.match(out, /^Created \/tls$/m, 'zkCli over TLS: Created /tls')
})

t.test('redkeeper: --secure-zk-port with PEM files', async (t) => {
  const rk = await startRedkeeper({
    args: ['--secure-zk-port', '0', '--tls-key', pki.serverKey, '--tls-cert', pki.serverCert, '--tls-ca', pki.caCert, '--no-fsync']
  })
  t.teardown(() => rk.destroy())
  const port = rk.secureZkPort
  if (port === undefined) throw new Error('no secureZkPort in the ready line')
  const secure = `127.0.0.1:${port}`
  const good = { ca: read(pki.caCert), key: read(pki.clientKey), cert: read(pki.clientCert) }

  t.test('zkCli with the Java client TLS options', async (t) => {
    const out = await zkCliBatchWith(javaClientTlsFlags(pki.caCert, pki.clientPem), secure, 'create', '/tls', 'hello')
    t.match(out, /^Created \/tls$/m, 'zkCli over TLS: Created /tls')
    const plain = await ZkClient.connect(rk.address)
    t.teardown(() => plain.close())
    const r = await plain.request({ type: OpCode.getData, path: '/tls', watch: false })
    t.equal(r.err, Err.OK)
    t.same((r.body as { data: Buffer }).data, Buffer.from('hello'), 'the plain port sees the same tree')
  })

  t.test('node tls client with a client certificate: a full session', async (t) => {
    const c = await ZkClient.connect(secure, { tls: good })
    t.teardown(() => c.close())
    const made = await c.request({ type: OpCode.create, path: '/node-tls', data: Buffer.from('x'), dataLength: 1, acl: OPEN, flags: 0 })
    t.equal(made.err, Err.OK)
    const r = await c.request({ type: OpCode.getData, path: '/node-tls', watch: false })
    t.same((r.body as { data: Buffer }).data, Buffer.from('x'))
  })

  t.test('refused: no client certificate (clientAuth need, the default)', async (t) => {
    await t.rejects(ZkClient.connect(secure, { tls: { ca: good.ca }, connectTimeout: 5000 }), { name: 'ConnectError' })
  })

  t.test('refused: a client certificate from another CA', async (t) => {
    await t.rejects(ZkClient.connect(secure, { tls: { ca: good.ca, key: read(pki.rogueClientKey), cert: read(pki.rogueClientCert) }, connectTimeout: 5000 }), { name: 'ConnectError' })
  })

  t.test('refused by the client: a server certificate its CA does not vouch for', async (t) => {
    await t.rejects(ZkClient.connect(secure, { tls: { ...good, ca: read(pki.rogueCaCert) }, connectTimeout: 5000 }), { name: 'ConnectError' })
  })

  t.test('a plain-text client on the secure port gets no session; the port keeps serving', async (t) => {
    await t.rejects(ZkClient.connect(secure, { connectTimeout: 5000 }), { name: 'ConnectError' })
    const c = await ZkClient.connect(secure, { tls: good })
    t.teardown(() => c.close())
    t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  })
})

t.test('redkeeper: --tls-client-auth want lets a client without a certificate in, not one with a bad certificate', async (t) => {
  const rk = await startRedkeeper({
    args: ['--secure-zk-port', '0', '--tls-key', pki.serverPem, '--tls-ca', pki.caCert, '--tls-client-auth', 'want', '--no-fsync']
  })
  t.teardown(() => rk.destroy())
  const secure = `127.0.0.1:${rk.secureZkPort ?? 0}`
  const c = await ZkClient.connect(secure, { tls: { ca: read(pki.caCert) } })
  t.teardown(() => c.close())
  t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  await t.rejects(ZkClient.connect(secure, { tls: { ca: read(pki.caCert), key: read(pki.rogueClientKey), cert: read(pki.rogueClientCert) }, connectTimeout: 5000 }), { name: 'ConnectError' })
})

t.test('redkeeper: a zoo.cfg with ZooKeeper\'s secure-port keys (PEM stores)', async (t) => {
  const cfg = join(pki.dir, 'zoo.cfg')
  writeFileSync(cfg, [
    'secureClientPort=0',
    `ssl.keyStore.location=${pki.serverPem}`, 'ssl.keyStore.type=PEM',
    `ssl.trustStore.location=${pki.caCert}`, 'ssl.trustStore.type=PEM', 'ssl.clientAuth=need', ''
  ].join('\n'))
  const rk = await startRedkeeper({ args: ['--config', cfg, '--no-fsync'] })
  t.teardown(() => rk.destroy())
  t.ok(rk.secureZkPort !== undefined && rk.secureZkPort > 0, 'the ready line names the secure port')
  const c = await ZkClient.connect(`127.0.0.1:${rk.secureZkPort ?? 0}`, { tls: { ca: read(pki.caCert), key: read(pki.clientKey), cert: read(pki.clientCert) } })
  t.teardown(() => c.close())
  t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK)
  t.match(await fourLetterWord('127.0.0.1', rk.port, 'conf'), new RegExp(`^secureClientPort=${rk.secureZkPort ?? 0}$`, 'm'), 'conf shows the secure port')

  const jks = join(pki.dir, 'jks.cfg')
  writeFileSync(jks, `secureClientPort=0\nssl.keyStore.location=${pki.serverPem}\nssl.keyStore.type=JKS\n`)
  const bad = await runCli(['start', '--config', jks, '--zk-port', '0', '--http-port', '0', '--data-dir', join(pki.dir, 'never')])
  t.equal(bad.code, 2, 'a JKS keystore is a usage error')
  t.match(bad.stderr, /ssl\.keyStore\.type: 'JKS' is not supported: only PEM/)

  const nokey = await runCli(['start', '--secure-zk-port', '0', '--tls-key', join(pki.dir, 'missing.pem'), '--tls-client-auth', 'none', '--zk-port', '0', '--http-port', '0', '--data-dir', join(pki.dir, 'never2')])
  t.equal(nokey.code, 2, 'an unreadable key file stops the start')
  t.match(nokey.stderr, /cannot read the secure client port key file .*missing\.pem: ENOENT/)
})

t.test('redkeeper: the HTTP API over HTTPS (--http-tls-key/--http-tls-cert)', async (t) => {
  const rk = await startRedkeeper({ args: ['--http-tls-key', pki.serverKey, '--http-tls-cert', pki.serverCert, '--no-fsync'] })
  t.teardown(() => rk.destroy())
  const trusted = await httpGet(rk.httpPort, '/v1/status', 2000, read(pki.caCert))
  t.equal(trusted?.status, 200, 'trusting the CA: 200')
  t.match(trusted?.body, /"zookeeperVersion"/)
  t.equal(await httpGet(rk.httpPort, '/v1/status', 2000, read(pki.rogueCaCert)), null, 'trusting another CA: no answer')
  t.equal(await httpGet(rk.httpPort, '/v1/status'), null, 'plain HTTP on the HTTPS port: no answer')
})
