// TLS for the ZooKeeper secure client port (ZooKeeper's secureClientPort
// with ssl.keyStore/ssl.trustStore as PEM) and the HTTPS API: the files are
// read once at startup, so a missing or unreadable one stops the start with
// a one-line ConfigError instead of failing every handshake later.

import { readFileSync } from 'node:fs'
import type { TlsOptions, TLSSocket } from 'node:tls'
import { ConfigError } from './config'

/** ZooKeeper's ssl.clientAuth: `need` (its default), `want`, `none`. */
export type ClientAuth = 'need' | 'want' | 'none'

export interface TlsFiles {
  /** PEM private key (may be the same file as certFile: ZooKeeper's PEM keystore holds both) */
  keyFile: string
  /** PEM certificate chain */
  certFile: string
  /** PEM CA bundle that client certificates must chain to (ssl.trustStore) */
  caFile?: string
  /** passphrase of an encrypted key (ssl.keyStore.password) */
  passphrase?: string
  /** default `need`, as ZooKeeper 3.8 */
  clientAuth?: ClientAuth
}

/** node:tls server options from the PEM files; ConfigError when a file cannot be used. */
export function loadTlsOptions (files: TlsFiles, what: string): TlsOptions {
  const clientAuth = files.clientAuth ?? 'need'
  if (clientAuth !== 'none' && files.caFile === undefined) {
    throw new ConfigError(`${what}: client authentication '${clientAuth}' needs a CA file to verify client certificates (--tls-ca), or --tls-client-auth none`)
  }
  const opts: TlsOptions = {
    key: readPem(files.keyFile, `${what} key`),
    cert: readPem(files.certFile, `${what} certificate`),
    requestCert: clientAuth !== 'none',
    // `want`: a client without a certificate is let in; one with a bad certificate is not (see acceptsPeer)
    rejectUnauthorized: clientAuth === 'need'
  }
  if (files.caFile !== undefined) opts.ca = readPem(files.caFile, `${what} CA`)
  if (files.passphrase !== undefined) opts.passphrase = files.passphrase
  return opts
}

/**
 * For `want`: node accepts every peer when rejectUnauthorized is off, so a
 * certificate that was presented but does not verify is refused here, as
 * ZooKeeper's trust manager refuses it.
 */
export function acceptsPeer (socket: TLSSocket, clientAuth: ClientAuth): boolean {
  if (clientAuth !== 'want' || socket.authorized) return true
  const peer = socket.getPeerCertificate()
  return peer === null || Object.keys(peer).length === 0
}

function readPem (file: string, what: string): Buffer {
  let data: Buffer
  try {
    data = readFileSync(file)
  } catch (err) {
    throw new ConfigError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  // JKS and PKCS#12 keystores are binary: say so rather than let OpenSSL fail obscurely
  if (!data.includes('-----BEGIN ')) throw new ConfigError(`the ${what} file ${file} is not PEM (convert JKS/PKCS12 keystores with openssl/keytool)`)
  return data
}
