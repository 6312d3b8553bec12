// TLS settings of `start` (and the sidecar's client side): ZooKeeper's
// secureClientPort with its ssl.* keystore/truststore keys, PEM only, and
// the HTTPS key pair of the HTTP API. The zoo.cfg names map onto these flags
// in config-sources.ts.

import type { ClientAuth, TlsFiles } from '../server/tls'
import { UsageError } from './errors'
import { BadValue, nonEmpty, port, resolve, type Parser, type Setting } from './settings'

const clientAuth: Parser<ClientAuth> = (raw) => {
  const v = raw.toLowerCase()
  if (v === 'need' || v === 'want' || v === 'none') return v
  throw new BadValue(`'${raw}' is not a client authentication mode (need, want, none)`)
}

// ZooKeeper 3.8 reads JKS, PKCS12 and PEM stores; only PEM is read here, so
// a copied zoo.cfg naming another type fails at start instead of at the first handshake.
const pemOnly: Parser<string> = (raw) => {
  if (raw.toUpperCase() !== 'PEM') throw new BadValue(`'${raw}' is not supported: only PEM key and trust stores (convert with openssl/keytool)`)
  return 'PEM'
}

/** the secure client port: `start` and `sidecar` */
export const SECURE_PORT_SETTINGS = {
  secureZkPort: { flag: 'secure-zk-port', env: 'REDKEEPER_SECURE_ZK_PORT', arg: '<port>', parse: port, defaultText: 'none', help: "TLS client port (ZooKeeper's secureClientPort); 0 picks a free port" },
  secureZkHost: { flag: 'secure-zk-host', env: 'REDKEEPER_SECURE_ZK_HOST', arg: '<address>', parse: nonEmpty, defaultText: 'the --host address', help: "address the TLS client port listens on (ZooKeeper's secureClientPortAddress)" },
  tlsKey: { flag: 'tls-key', env: 'REDKEEPER_TLS_KEY', arg: '<pem>', parse: nonEmpty, defaultText: 'none', help: 'secure client port: private key (PEM; may also hold the certificate)' },
  tlsCert: { flag: 'tls-cert', env: 'REDKEEPER_TLS_CERT', arg: '<pem>', parse: nonEmpty, defaultText: 'the --tls-key file', help: 'secure client port: certificate chain (PEM)' },
  tlsCa: { flag: 'tls-ca', env: 'REDKEEPER_TLS_CA', arg: '<pem>', parse: nonEmpty, defaultText: 'none', help: 'secure client port: CA bundle client certificates must chain to (ssl.trustStore)' },
  tlsClientAuth: { flag: 'tls-client-auth', env: 'REDKEEPER_TLS_CLIENT_AUTH', arg: '<mode>', parse: clientAuth, defaultText: 'need', help: 'secure client port: need, want or none a client certificate (ssl.clientAuth)' },
  tlsKeyPassphrase: { flag: 'tls-key-passphrase', env: 'REDKEEPER_TLS_KEY_PASSPHRASE', arg: '<secret>', parse: nonEmpty, defaultText: 'none', help: 'secure client port: passphrase of an encrypted key (ssl.keyStore.password)' },
  tlsKeystoreType: { flag: 'tls-keystore-type', env: 'REDKEEPER_TLS_KEYSTORE_TYPE', arg: 'PEM', parse: pemOnly, defaultText: 'PEM', help: 'ssl.keyStore.type / ssl.trustStore.type: only PEM is accepted' }
} satisfies Record<string, Setting<unknown>>

/** HTTPS/wss on the HTTP API: `start` and `node` */
export const HTTPS_SETTINGS = {
  httpTlsKey: { flag: 'http-tls-key', env: 'REDKEEPER_HTTP_TLS_KEY', arg: '<pem>', parse: nonEmpty, defaultText: 'none', help: 'serve the HTTP API over HTTPS/wss with this private key (PEM)' },
  httpTlsCert: { flag: 'http-tls-cert', env: 'REDKEEPER_HTTP_TLS_CERT', arg: '<pem>', parse: nonEmpty, defaultText: 'the --http-tls-key file', help: 'the HTTPS certificate chain (PEM)' }
} satisfies Record<string, Setting<unknown>>

export const TLS_SETTINGS = { ...SECURE_PORT_SETTINGS, ...HTTPS_SETTINGS }

export interface TlsSettings {
  secureZkPort: number | undefined
  secureZkHost: string | undefined
  tls: TlsFiles | undefined
  httpTls: TlsFiles | undefined
}

export function resolveTls (str: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): TlsSettings {
  return { ...resolveSecurePort(str, env), httpTls: resolveHttps(str, env) }
}

export function resolveSecurePort (str: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): { secureZkPort: number | undefined, secureZkHost: string | undefined, tls: TlsFiles | undefined } {
  const S = SECURE_PORT_SETTINGS
  const get = <T>(s: Setting<T>): T | undefined => resolve(s, str(s.flag), env)
  get(S.tlsKeystoreType)
  const secureZkPort = get(S.secureZkPort)
  const secureZkHost = get(S.secureZkHost)
  const key = get(S.tlsKey)
  const cert = get(S.tlsCert)
  const ca = get(S.tlsCa)
  const auth = get(S.tlsClientAuth)
  const passphrase = get(S.tlsKeyPassphrase)
  if (secureZkPort === undefined) {
    // as ZooKeeper: "secureClientPortAddress is set but secureClientPort is not set"
    if (secureZkHost !== undefined) throw new UsageError('--secure-zk-host (secureClientPortAddress) is set but --secure-zk-port (secureClientPort) is not')
    if (key !== undefined || cert !== undefined || ca !== undefined || auth !== undefined) {
      throw new UsageError('--tls-key, --tls-cert, --tls-ca and --tls-client-auth configure the secure client port: add --secure-zk-port')
    }
    return { secureZkPort, secureZkHost, tls: undefined }
  }
  if (key === undefined) throw new UsageError('--secure-zk-port needs --tls-key (and --tls-cert unless the key file holds the certificate)')
  const tls: TlsFiles = { keyFile: key, certFile: cert ?? key, clientAuth: auth ?? 'need' }
  if (ca !== undefined) tls.caFile = ca
  if (passphrase !== undefined) tls.passphrase = passphrase
  if (tls.clientAuth !== 'none' && ca === undefined) throw new UsageError(`--tls-client-auth ${tls.clientAuth} (the default, as ZooKeeper) needs --tls-ca to verify client certificates; or --tls-client-auth none`)
  return { secureZkPort, secureZkHost, tls }
}

export function resolveHttps (str: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const S = HTTPS_SETTINGS
  const httpKey = resolve(S.httpTlsKey, str(S.httpTlsKey.flag), env)
  const httpCert = resolve(S.httpTlsCert, str(S.httpTlsCert.flag), env)
  if (httpKey === undefined && httpCert !== undefined) throw new UsageError('--http-tls-cert needs --http-tls-key')
  return httpKey === undefined ? undefined : { keyFile: httpKey, certFile: httpCert ?? httpKey, clientAuth: 'none' }
}
