import t from 'tap'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { fourLetterWord } from '../support/fourlw'
import { sleep } from '../support/proc'
import { makeTestPki } from '../support/tls'
import { startNode, startRedis, startSidecar } from '../support/topology'

// The distributed pieces over TLS, with a private CA made by openssl at test
// time: a node serving HTTPS/wss (--http-tls-key/--http-tls-cert), a sidecar
// reaching it over wss:// trusting that CA (--upstream-ca) and serving its
// own secure client port; an untrusted node certificate is refused, said so
// in one log line, and the sidecar moves on to the other upstreams.

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const pki = makeTestPki()
const ca = readFileSync(pki.caCert)

/** GET over HTTPS trusting `trust`: the status, or the error's code. */
function httpsStatus (port: number, path: string, trust?: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, ...(trust === undefined ? {} : { ca: trust }) }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    req.end()
  })
}

t.test('sidecar → node over wss with a private CA', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode(redis.url, { https: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert } })
  t.teardown(() => node.stop())
  t.match(node.url, /^wss:\/\//)

  t.test('REST over https: trusted with the CA, refused without it', async (t) => {
    t.equal(await httpsStatus(node.httpPort, '/v1/status', ca), 200)
    t.equal(await httpsStatus(node.httpPort, '/v1/status'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', "Node's default roots do not vouch for a private CA")
    t.equal(await httpsStatus(node.httpPort, '/v1/status', readFileSync(pki.rogueCaCert)), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'nor does another CA')
  })

  t.test('a sidecar with --upstream-ca: sessions and four-letter words through wss, plain and secure client ports', async (t) => {
    const sc = await startSidecar([node.url], {
      args: ['--upstream-ca', pki.caCert, '--secure-zk-port', '0', '--tls-key', pki.serverPem, '--tls-ca', pki.caCert]
    })
    t.teardown(() => sc.stop())
    const c = await ZkClient.connect(sc.address)
    t.teardown(() => c.close())
    t.equal((await c.request({ type: OpCode.create, path: '/wss', data: Buffer.from('w'), dataLength: 1, acl: OPEN, flags: 0 })).err, Err.OK)
    t.equal(await fourLetterWord('127.0.0.1', sc.port, 'ruok'), 'imok', 'the word is asked of the node over https')
    if (sc.secureZkPort === undefined) throw new Error('no secureZkPort in the sidecar ready line')
    const s = await ZkClient.connect(`127.0.0.1:${sc.secureZkPort}`, { tls: { ca, key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert) } })
    t.teardown(() => s.close())
    const r = await s.request({ type: OpCode.getData, path: '/wss', watch: false })
    t.equal(r.err, Err.OK)
    t.same((r.body as { data: Buffer }).data, Buffer.from('w'), 'the secure port reaches the same service')
    await t.rejects(ZkClient.connect(`127.0.0.1:${sc.secureZkPort}`, { tls: { ca }, connectTimeout: 5000 }), { name: 'ConnectError' }, 'no client certificate: refused')
  })

  t.test('an untrusted node certificate: one log line, and the sidecar uses the other upstream', async (t) => {
    const plainNode = await startNode(redis.url)
    t.teardown(() => plainNode.stop())
    // no --upstream-ca: the wss node's certificate is not trusted, the ws node is fine
    const sc = await startSidecar([node.url, plainNode.url])
    t.teardown(() => sc.stop())
    // the sidecar spreads first attempts over its upstreams: two connections start one at each
    for (let i = 0; i < 2; i++) {
      const c = await ZkClient.connect(sc.address, { connectTimeout: 10_000 })
      t.equal((await c.request({ type: OpCode.exists, path: '/wss', watch: false })).err, Err.OK, `connection ${i} is served`)
      await c.close()
    }
    let log = ''
    for (let i = 0; i < 50 && !log.includes('TLS certificate refused'); i++) {
      await sleep(100)
      log = readFileSync(sc.logFile, 'utf8')
    }
    t.match(log, /upstream wss:\/\/127\.0\.0\.1:\d+: TLS certificate refused \(unable to verify the first certificate\); trying the other upstreams \(--upstream-ca trusts a private CA\)/)
  })
})
