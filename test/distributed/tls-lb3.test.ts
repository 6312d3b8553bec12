// TLS end to end through the load balancer: a client speaks TLS to the
// sidecar's secure port, the sidecar reaches haproxy over wss, haproxy
// terminates it and re-encrypts to three HTTPS nodes (checking their /readyz
// over HTTPS too), the nodes serve from Redis. A kill -9 of the node serving
// the session costs the client nothing: the same TLS connection goes on.

import t from 'tap'
import { readFileSync } from 'node:fs'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { httpGet } from '../support/launch'
import { sleep } from '../support/proc'
import { javaClientTlsFlags, makeTestPki } from '../support/tls'
import { zkCliBatchWith } from '../support/zkcli'
import { startTopology, type NodeHandle } from '../support/topology'

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const EPHEMERAL = 1
const pki = makeTestPki()
const ca = readFileSync(pki.caCert)

/** The HTTPS node whose `cons` lists the session: the one serving it through haproxy. */
async function servingNode (nodes: readonly NodeHandle[], sessionId: number): Promise<NodeHandle | undefined> {
  const sid = `sid=0x${sessionId.toString(16)},`
  for (const n of nodes) {
    if (!n.running) continue
    const res = await httpGet(n.httpPort, '/v1/fourletter/cons', 5000, ca)
    if (res?.body.includes(sid) === true) return n
  }
  return undefined
}

t.test('zkCli and ZkClient over TLS → sidecar → wss haproxy → 3 https nodes; kill -9 of the serving node', async (t) => {
  const topo = await startTopology('lb3', {
    node: { https: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert } },
    sidecar: { args: ['--secure-zk-port', '0', '--tls-key', pki.serverPem, '--tls-ca', pki.caCert] }
  })
  t.teardown(() => topo.stop())
  const haproxy = topo.haproxy
  const secureZkPort = topo.sidecar?.secureZkPort
  if (haproxy === undefined || secureZkPort === undefined) throw new Error('lb3 without haproxy or a secure port')
  t.match(haproxy.url, /^wss:\/\//, 'the sidecar reaches haproxy over wss')
  t.equal((await httpGet(haproxy.port, '/readyz', 5000, ca))?.status, 200, 'haproxy serves HTTPS with the CA-signed certificate')
  t.equal(await httpGet(haproxy.port, '/readyz', 5000), null, 'and nothing in plain HTTP')

  const secure = `127.0.0.1:${secureZkPort}`
  const c = await ZkClient.connect(secure, { timeout: 30_000, tls: { ca, key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert) } })
  t.teardown(() => c.destroy())
  t.equal((await c.request({ type: OpCode.create, path: '/tls-lb3', data: Buffer.from('v1'), dataLength: 2, acl: OPEN, flags: 0 })).err, Err.OK)
  t.equal((await c.request({ type: OpCode.create, path: '/tls-lb3/eph', data: null, dataLength: -1, acl: OPEN, flags: EPHEMERAL })).err, Err.OK)

  // the stock Java client (Netty, ZooKeeper's ssl properties) through the same chain
  const out = await zkCliBatchWith(javaClientTlsFlags(pki.caCert, pki.clientPem), secure, 'get', '/tls-lb3')
  t.match(out, /^v1$/m, `zkCli reads the znode over TLS (output: ${out.slice(-400)})`)

  // which node serves the session: poll, since cons is read per node
  let node: NodeHandle | undefined
  for (let i = 0; i < 100 && node === undefined; i++) {
    node = await servingNode(topo.nodes, c.sessionId)
    if (node === undefined) await sleep(100)
  }
  if (node === undefined) throw new Error(`no node lists session 0x${c.sessionId.toString(16)}`)
  const session = c.sessionId
  await node.kill9()

  const r = await c.request({ type: OpCode.setData, path: '/tls-lb3', data: Buffer.from('v2'), dataLength: 2, version: -1 })
  t.equal(r.err, Err.OK, 'the same TLS connection writes after the kill')
  t.equal(c.sessionId, session, 'on the same session')
  t.equal((await c.request({ type: OpCode.exists, path: '/tls-lb3/eph', watch: false })).err, Err.OK, 'its ephemeral is still there')
  const other = await servingNode(topo.nodes, c.sessionId)
  t.not(other, undefined, 'another node serves it now')
  t.not(other, node, 'not the killed one')
  const get = await c.request({ type: OpCode.getData, path: '/tls-lb3', watch: false })
  t.same((get.body as { data: Buffer }).data, Buffer.from('v2'))
})
