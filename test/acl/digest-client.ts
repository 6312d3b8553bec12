// The client side of SASL DIGEST-MD5 (RFC 2831), written from the RFC for
// raw-wire tests, independently of the server in src/auth: what the JDK's
// DigestMD5Client sends to ZooKeeper (digest-uri zookeeper/zk-sasl-md5).

import { createHash, randomBytes } from 'node:crypto'

const DIGEST_URI = 'zookeeper/zk-sasl-md5'

function md5 (...parts: Array<Buffer | string>): Buffer {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The challenge's directives (quoted or bare values). */
export function parseChallenge (challenge: Buffer): Map<string, string> {
  const out = new Map<string, string>()
  const re = /([a-zA-Z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))/g
  const text = challenge.toString('utf8')
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.set((m[1] as string).toLowerCase(), m[2] ?? m[3] ?? '')
  return out
}

/** The digest-response to `challenge` for user/password (qop auth, nc 1). */
export function digestResponse (challenge: Buffer, user: string, password: string): Buffer {
  const c = parseChallenge(challenge)
  const nonce = c.get('nonce')
  if (nonce === undefined) throw new Error(`challenge without nonce: ${challenge.toString()}`)
  const realm = c.get('realm') ?? ''
  const cnonce = randomBytes(16).toString('hex')
  const nc = '00000001'
  const ha1 = md5(md5(`${user}:${realm}:${password}`), `:${nonce}:${cnonce}`).toString('hex')
  const ha2 = md5(`AUTHENTICATE:${DIGEST_URI}`).toString('hex')
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`).toString('hex')
  return Buffer.from(`charset=utf-8,username="${user}",realm="${realm}",nonce="${nonce}",nc=${nc},cnonce="${cnonce}",digest-uri="${DIGEST_URI}",maxbuf=65536,response=${response},qop=auth`)
}
