// clientPortAddress and secureClientPortAddress from a zoo.cfg-style file:
// the ZooKeeper ports listen on the given address only. 127.0.0.2 is
// loopback on Linux, so a client reaches it there and is refused on
// 127.0.0.1, for `start` and for the sidecar alike.

import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { BIN, ensureBuilt, pinoReady, readLogFrom, spawnLogged, waitReady } from '../support/launch'
import { removeAtExit, terminate } from '../support/proc'
import { makeTestPki } from '../support/tls'
import { startNode, startRedis } from '../support/topology'

const pki = makeTestPki()
const ca = readFileSync(pki.caCert)
const dir = mkdtempSync(join(tmpdir(), 'rk-bind-'))
removeAtExit(dir)

/** 'accepted' or the connect error's code. */
function tcpConnect (host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port })
    s.setTimeout(10_000, () => { s.destroy(); resolve('timeout') })
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    s.on('connect', () => { s.destroy(); resolve('accepted') })
  })
}

function zooCfg (name: string, lines: string[]): string {
  const f = join(dir, name)
  writeFileSync(f, [
    'clientPort=0',
    'clientPortAddress=127.0.0.2',
    'secureClientPort=0',
    'secureClientPortAddress=127.0.0.2',
    `ssl.keyStore.location=${pki.serverPem}`,
    'ssl.keyStore.type=PEM',
    `ssl.trustStore.location=${pki.caCert}`,
    'ssl.trustStore.type=PEM',
    ...lines,
    ''
  ].join('\n'))
  return f
}

async function checkBound (t: Test, zkPort: number, secureZkPort: number): Promise<void> {
  t.equal(await tcpConnect('127.0.0.2', zkPort), 'accepted', 'the client port answers on 127.0.0.2')
  t.equal(await tcpConnect('127.0.0.1', zkPort), 'ECONNREFUSED', 'and not on 127.0.0.1')
  t.equal(await tcpConnect('127.0.0.1', secureZkPort), 'ECONNREFUSED', 'the secure port is not on 127.0.0.1 either')
  const plain = await ZkClient.connect(`127.0.0.2:${zkPort}`)
  t.teardown(() => plain.close())
  t.equal((await plain.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK, 'a session on the plain port')
  // the test certificate names 127.0.0.1 and localhost: verify it as localhost
  const secure = await ZkClient.connect(`127.0.0.2:${secureZkPort}`, { tls: { ca, key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert), servername: 'localhost' } })
  t.teardown(() => secure.close())
  t.equal((await secure.request({ type: OpCode.exists, path: '/', watch: false })).err, Err.OK, 'a session on the secure port')
}

t.test('start: both ZooKeeper ports on 127.0.0.2', async (t) => {
  await ensureBuilt()
  const cfg = zooCfg('start.cfg', [`dataDir=${join(dir, 'data')}`, 'http-port=0'])
  const log = join(dir, 'start.log')
  const proc = spawnLogged('redkeeper start', process.execPath, [BIN, 'start', '--config', cfg], log, { ...process.env, REDKEEPER_MAX_CLIENT_CNXNS: '0' })
  t.teardown(() => terminate(proc.child, 'SIGTERM'))
  const ready = await waitReady('redkeeper start', proc, log, () => pinoReady(readLogFrom(log, proc.offset), 'secureZkPort'))
  t.equal(ready.secureZkHost, '127.0.0.2', 'the ready line names the secure address')
  await checkBound(t, ready.zkPort as number, ready.secureZkPort as number)
})

t.test('sidecar: both ZooKeeper ports on 127.0.0.2', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const node = await startNode(redis.url)
  t.teardown(() => node.stop())
  const cfg = zooCfg('sidecar.cfg', [`upstream=${node.url}`])
  const log = join(dir, 'sidecar.log')
  const proc = spawnLogged('redkeeper sidecar', process.execPath, [BIN, 'sidecar', '--config', cfg], log, { ...process.env, REDKEEPER_MAX_CLIENT_CNXNS: '0' })
  t.teardown(() => terminate(proc.child, 'SIGTERM'))
  const ready = await waitReady('redkeeper sidecar', proc, log, () => pinoReady(readLogFrom(log, proc.offset), 'secureZkPort'))
  await checkBound(t, ready.zkPort as number, ready.secureZkPort as number)
})

t.test('secureClientPortAddress without secureClientPort is refused, as ZooKeeper refuses it', async (t) => {
  const f = join(dir, 'bad.cfg')
  writeFileSync(f, 'secureClientPortAddress=127.0.0.2\n')
  const log = join(dir, 'bad.log')
  const proc = spawnLogged('redkeeper start', process.execPath, [BIN, 'start', '--config', f, '--data-dir', join(dir, 'bad-data')], log)
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)))
  t.equal(code, 2, 'usage error')
  t.match(readFileSync(log, 'utf8'), /--secure-zk-host \(secureClientPortAddress\) is set but --secure-zk-port \(secureClientPort\) is not/)
})
