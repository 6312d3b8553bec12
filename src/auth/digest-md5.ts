// The server side of SASL DIGEST-MD5 (RFC 2831) as ZooKeeper runs it: the
// JDK's DigestMD5Server created with protocol "zookeeper" and server name
// "zk-sasl-md5", qop "auth" only (no integrity or confidentiality layer, which
// ZooKeeper never negotiates). Two steps: an empty first token gets the
// challenge; the client's digest-response gets rspauth and completes.
// No maintained npm package implements the server side, hence this file.

import { createHash, randomBytes } from 'node:crypto'

export const SASL_PROTOCOL = 'zookeeper'
export const SASL_SERVER_NAME = 'zk-sasl-md5'

/** The exchange failed: the client gets AUTHFAILED (a SaslException in ZooKeeper). */
export class SaslError extends Error {
  override name = 'SaslError'
}

/** Looks a user's password up; undefined for an unknown user. */
export type PasswordLookup = (user: string) => string | undefined

function md5 (...parts: Array<Buffer | string>): Buffer {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * RFC 2831 2.1.2.1: with charset=utf-8, strings whose characters all fit
 * ISO 8859-1 are hashed in ISO 8859-1, others in UTF-8.
 */
function bytes (s: string, utf8: boolean): Buffer {
  if (!utf8) return Buffer.from(s, 'latin1')
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8')
  return Buffer.from(s, 'latin1')
}

/** Parses `key=value, key="quoted \" value"` lists; a repeated key is an error (RFC 2831 allows none we read twice). */
export function parseDirectives (text: string): Map<string, string> {
  const out = new Map<string, string>()
  let i = 0
  const n = text.length
  const skipSpace = (): void => { while (i < n && /[\s,]/.test(text[i] as string)) i++ }
  skipSpace()
  while (i < n) {
    const eq = text.indexOf('=', i)
    if (eq === -1) throw new SaslError(`malformed directive near '${text.slice(i, i + 20)}'`)
    const key = text.slice(i, eq).trim().toLowerCase()
    if (!/^[a-z0-9-]+$/.test(key)) throw new SaslError(`malformed directive name '${key}'`)
    i = eq + 1
    while (i < n && /\s/.test(text[i] as string)) i++
    let value = ''
    if (text[i] === '"') {
      i++
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++
        value += text[i]
        i++
      }
      if (i >= n) throw new SaslError(`unterminated quoted value of '${key}'`)
      i++
    } else {
      const start = i
      while (i < n && text[i] !== ',') i++
      value = text.slice(start, i).trim()
    }
    if (out.has(key)) throw new SaslError(`directive '${key}' given twice`)
    out.set(key, value)
    skipSpace()
  }
  return out
}

export class DigestMd5Server {
  private step = 0
  private readonly nonce: string
  private authzid: string | undefined

  constructor (private readonly lookup: PasswordLookup, nonce?: string) {
    this.nonce = nonce ?? randomBytes(30).toString('base64')
  }

  get complete (): boolean {
    return this.step === 2
  }

  /** The authorized identity once complete (ZooKeeper's authorizationID). */
  get authorizationId (): string | undefined {
    return this.authzid
  }

  /** SaslServer.evaluateResponse: the token to send back; throws SaslError on failure. */
  evaluate (token: Buffer): Buffer {
    switch (this.step) {
      case 0:
        // DIGEST-MD5 has no initial response; a client that sends one anyway
        // is answered with the challenge, as the JDK server does.
        this.step = 1
        return Buffer.from(`realm="${SASL_SERVER_NAME}",nonce="${this.nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`, 'utf8')
      case 1: {
        this.step = 3 // failed unless it completes below
        const rspauth = this.verify(token)
        this.step = 2
        return Buffer.from(`rspauth=${rspauth}`, 'utf8')
      }
      default:
        throw new SaslError('DIGEST-MD5: authentication already complete or failed')
    }
  }

  private verify (token: Buffer): string {
    if (token.length === 0) throw new SaslError('DIGEST-MD5: empty digest-response')
    const d = parseDirectives(token.toString('utf8'))
    const utf8 = d.get('charset')?.toLowerCase() === 'utf-8'
    const get = (k: string): string => {
      const v = d.get(k)
      if (v === undefined) throw new SaslError(`DIGEST-MD5: digest-response lacks '${k}'`)
      return v
    }
    const username = get('username')
    const nonce = get('nonce')
    const cnonce = get('cnonce')
    const nc = get('nc')
    const digestUri = get('digest-uri')
    const response = get('response')
    const realm = d.get('realm') ?? ''
    const qop = d.get('qop') ?? 'auth'
    const authzid = d.get('authzid')
    if (nonce !== this.nonce) throw new SaslError('DIGEST-MD5: nonce does not match')
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || parseInt(nc, 16) !== 1) throw new SaslError(`DIGEST-MD5: nonce count must be 00000001, got '${nc}'`)
    if (qop !== 'auth') throw new SaslError(`DIGEST-MD5: qop '${qop}' is not offered`)
    if (realm !== '' && realm !== SASL_SERVER_NAME) throw new SaslError(`DIGEST-MD5: unknown realm '${realm}'`)
    if (digestUri !== `${SASL_PROTOCOL}/${SASL_SERVER_NAME}`) throw new SaslError(`DIGEST-MD5: digest-uri '${digestUri}' is not ${SASL_PROTOCOL}/${SASL_SERVER_NAME}`)
    const password = this.lookup(username)
    if (password === undefined) throw new SaslError('DIGEST-MD5: cannot authenticate user')

    const a1Head = md5(bytes(username, utf8), ':', bytes(realm, utf8), ':', bytes(password, utf8))
    const a1 = authzid === undefined
      ? md5(a1Head, `:${nonce}:${cnonce}`)
      : md5(a1Head, `:${nonce}:${cnonce}:`, Buffer.from(authzid, 'utf8'))
    const ha1 = a1.toString('hex')
    const kd = (a2: string): string =>
      md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:`, md5(a2).toString('hex')).toString('hex')
    const expected = kd(`AUTHENTICATE:${digestUri}`)
    if (expected !== response.toLowerCase()) throw new SaslError('DIGEST-MD5: digest response does not match (wrong password)')
    // SaslServerCallbackHandler authorizes any authzid and names the
    // authentication id (a plain name keeps itself through KerberosName).
    this.authzid = username
    return kd(`:${digestUri}`)
  }
}
