// Certificate reload without a restart: replacing the PEM files under a
// running process gives new handshakes the new certificate (secure client
// port and HTTPS API of `start`; a node's HTTPS; a sidecar's secure port),
// connections already up keep going, a bad file is logged and the last good
// certificate stays, and SIGHUP reloads too (without stopping the process).

import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { httpGet, readLogFrom } from '../support/launch'
import { sleep } from '../support/proc'
import { startRedkeeper } from '../support/redkeeper'
import { makeServerCert, makeTestPki } from '../support/tls'
import { startNode, startRedis, startSidecar } from '../support/topology'

const pki = makeTestPki()
const ca = readFileSync(pki.caCert)
const clientTls = { ca, key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert) }
const renewed = makeServerCert(pki, 'renewed')
const fingerprint = (certFile: string): string => new X509Certificate(readFileSync(certFile)).fingerprint256
const OLD = fingerprint(pki.serverCert)
const NEW = fingerprint(renewed.cert)
const WAIT_MS = 20_000

/** A directory holding the live key and certificate, as an operator's /etc/…/tls. */
function liveDir (): { key: string, cert: string } {
  const dir = mkdtempSync(join(pki.dir, 'live-'))
  const live = { key: join(dir, 'server.key'), cert: join(dir, 'server.crt') }
  copyFileSync(pki.serverKey, live.key)
  copyFileSync(pki.serverCert, live.cert)
  return live
}

/** Replaces a file atomically (write beside it, rename over it), as certificate tooling does. */
function replace (file: string, data: Buffer | string): void {
  writeFileSync(`${file}.tmp`, data)
  renameSync(`${file}.tmp`, file)
}

function renew (live: { key: string, cert: string }): void {
  replace(live.key, readFileSync(renewed.key))
  replace(live.cert, readFileSync(renewed.cert))
}

/** The fingerprint of the certificate a new handshake on `port` presents. */
function presented (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ...clientTls }, () => {
      const fp = s.getPeerCertificate().fingerprint256
      s.destroy()
      resolve(fp)
    })
    s.setTimeout(10_000, () => { s.destroy(); reject(new Error(`TLS handshake on ${port} timed out`)) })
    s.on('error', reject)
  })
}

async function waitPresented (port: number, want: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const got = await presented(port)
    if (got === want) return
    if (Date.now() > deadline) throw new Error(`port ${port} still presents ${got}, not ${want}`)
    await sleep(100)
  }
}

async function waitLog (file: string, from: number, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const text = readLogFrom(file, from)
    const m = pattern.exec(text)
    if (m !== null) return m[0]
    if (Date.now() > deadline) throw new Error(`no log line matching ${String(pattern)} in ${file}`)
    await sleep(100)
  }
}

const logSize = (file: string): number => readFileSync(file).length

t.test('start: the secure client port and the HTTPS API take renewed files; a bad file keeps the last good one', async (t) => {
  const live = liveDir()
  const rk = await startRedkeeper({
    args: ['--secure-zk-port', '0', '--tls-key', live.key, '--tls-cert', live.cert, '--tls-ca', pki.caCert, '--http-tls-key', live.key, '--http-tls-cert', live.cert]
  })
  t.teardown(() => rk.destroy())
  const secure = rk.secureZkPort
  if (secure === undefined) throw new Error('no secure port')
  t.equal(await presented(secure), OLD, 'the secure port starts with the first certificate')
  t.equal(await presented(rk.httpPort), OLD, 'so does HTTPS')
  const before = await ZkClient.connect(`127.0.0.1:${secure}`, { tls: clientTls })
  t.teardown(() => before.close())
  t.equal((await before.request({ type: OpCode.create, path: '/r', data: Buffer.from('1'), dataLength: 1, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).err, Err.OK)

  renew(live)
  await waitPresented(secure, NEW)
  await waitPresented(rk.httpPort, NEW)
  t.pass('new handshakes on both listeners get the renewed certificate')
  t.equal((await before.request({ type: OpCode.exists, path: '/r', watch: false })).err, Err.OK, 'the connection made before goes on')
  const after = await ZkClient.connect(`127.0.0.1:${secure}`, { tls: clientTls })
  t.teardown(() => after.close())
  t.equal((await after.request({ type: OpCode.exists, path: '/r', watch: false })).err, Err.OK, 'a new TLS session works with it')
  t.equal((await httpGet(rk.httpPort, '/readyz', 5000, ca))?.status, 200, 'HTTPS answers with it')
  const log = await waitLog(rk.logFile, 0, /[^\n]*"msg":"secure client port: TLS certificate reloaded"/)
  t.match(log, NEW.slice(0, 20), 'the log line names the new fingerprint')

  const mark = logSize(rk.logFile)
  replace(live.cert, 'this is not a certificate\n')
  t.match(await waitLog(rk.logFile, mark, /TLS reload failed \(.*not PEM.*; keeping the current certificate/), /keeping the current certificate/, 'a bad file is one error line')
  t.equal(await presented(secure), NEW, 'the secure port keeps the last good certificate')
  t.equal(await presented(rk.httpPort), NEW, 'HTTPS too')
  // a key that is not the certificate's: refused as well
  const mark2 = logSize(rk.logFile)
  replace(live.cert, readFileSync(pki.serverCert))
  await waitLog(rk.logFile, mark2, /TLS reload failed \(.*key values mismatch.*\); keeping the current certificate/)
  t.equal(await presented(secure), NEW, 'a key/certificate mismatch keeps the last good pair')
})

t.test('a node\'s HTTPS and a sidecar\'s secure port reload too; SIGHUP reloads and the process keeps serving', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const nodeLive = liveDir()
  const node = await startNode(redis.url, { https: { key: nodeLive.key, cert: nodeLive.cert, ca: pki.caCert } })
  t.teardown(() => node.stop())
  const scLive = liveDir()
  const sc = await startSidecar([node.url], { args: ['--upstream-ca', pki.caCert, '--secure-zk-port', '0', '--tls-key', scLive.key, '--tls-cert', scLive.cert, '--tls-ca', pki.caCert] })
  t.teardown(() => sc.stop())
  const secure = sc.secureZkPort
  if (secure === undefined) throw new Error('no secure port')
  const c = await ZkClient.connect(`127.0.0.1:${secure}`, { tls: clientTls })
  t.teardown(() => c.close())
  t.equal(await presented(node.httpPort), OLD)
  t.equal(await presented(secure), OLD)

  renew(nodeLive)
  renew(scLive)
  await waitPresented(node.httpPort, NEW)
  await waitPresented(secure, NEW)
  t.pass('both present the renewed certificate')
  t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK, 'the client connected before is still served (sidecar → node over the node\'s renewed wss)')

  for (const [name, proc] of [['node', node], ['sidecar', sc]] as const) {
    const mark = logSize(proc.logFile)
    proc.signal('SIGHUP')
    t.match(await waitLog(proc.logFile, mark, /"reason":"SIGHUP"[^\n]*TLS certificate reloaded/), /reloaded/, `${name}: SIGHUP reloads`)
  }
  t.equal((await httpGet(node.httpPort, '/readyz', 5000, ca))?.status, 200, 'the node still serves after SIGHUP')
  t.equal((await c.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK, 'and so does the sidecar')
})
