import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeAtExit } from './proc'
import { NETTY_CODEC_JARS } from './zookeeper'

/**
 * A throwaway PKI made with the openssl CLI: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate, and a second CA ("rogue") with
 * its own client certificate, which the first CA does not vouch for.
 * `*Pem` files hold key and certificate together: ZooKeeper's PEM keystore.
 */
export interface TestPki {
  dir: string
  caCert: string
  serverKey: string
  serverCert: string
  serverPem: string
  clientKey: string
  clientCert: string
  clientPem: string
  rogueCaCert: string
  rogueClientKey: string
  rogueClientCert: string
  rogueClientPem: string
}

function openssl (dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function makeCa (dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '2', '-subj', `/CN=redkeeper test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
}

function makeLeaf (dir: string, ca: string, name: string, ext: string): void {
  // -nodes + pkcs8 ("BEGIN PRIVATE KEY"): both node and ZooKeeper's PemReader read it
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`)
  writeFileSync(join(dir, `${name}.pem`), Buffer.concat([readFileSync(join(dir, `${name}.key`)), readFileSync(join(dir, `${name}.crt`))]))
}

export function makeTestPki (): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'rk-pki-'))
  removeAtExit(dir)
  makeCa(dir, 'ca')
  makeCa(dir, 'rogue-ca')
  makeLeaf(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n')
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n')
  makeLeaf(dir, 'rogue-ca', 'rogue-client', 'extendedKeyUsage=clientAuth\n')
  const f = (name: string): string => join(dir, name)
  return {
    dir,
    caCert: f('ca.crt'),
    serverKey: f('server.key'),
    serverCert: f('server.crt'),
    serverPem: f('server.pem'),
    clientKey: f('client.key'),
    clientCert: f('client.crt'),
    clientPem: f('client.pem'),
    rogueCaCert: f('rogue-ca.crt'),
    rogueClientKey: f('rogue-client.key'),
    rogueClientCert: f('rogue-client.crt'),
    rogueClientPem: f('rogue-client.pem')
  }
}

/** zkCli/Java client system properties for a secure port (ZooKeeper 3.8's names, PEM stores). */
export function javaClientTlsFlags (caCert: string, clientPem?: string): string {
  const flags = [
    // zkEnv.sh's class path lacks Netty's codec (see NETTY_CODEC_JARS); a later -cp wins
    `-cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar:${NETTY_CODEC_JARS.join(':')}`,
    '-Dzookeeper.client.secure=true',
    '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
    `-Dzookeeper.ssl.trustStore.location=${caCert}`,
    '-Dzookeeper.ssl.trustStore.type=PEM'
  ]
  if (clientPem !== undefined) flags.push(`-Dzookeeper.ssl.keyStore.location=${clientPem}`, '-Dzookeeper.ssl.keyStore.type=PEM')
  return flags.join(' ')
}

/**
 * Another server certificate (127.0.0.1/localhost) signed by `pki`'s CA, with
 * a new key: what an operator's renewal puts in place of server.key/.crt.
 */
export function makeServerCert (pki: TestPki, name: string): { key: string, cert: string, pem: string } {
  makeLeaf(pki.dir, 'ca', name, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n')
  const f = (ext: string): string => join(pki.dir, `${name}.${ext}`)
  return { key: f('key'), cert: f('crt'), pem: f('pem') }
}
