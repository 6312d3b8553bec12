// Helpers for the identity suites: a SASL DIGEST-MD5 login over the raw
// ZkClient (what the Java client's ZooKeeperSaslClient sends: an empty
// initial token, then the RFC 2831 digest-response), whoAmI as plain
// strings, finding the node that serves a session, and zkCli.sh logged in
// over SASL.

import { createHash, randomBytes } from 'node:crypto'
import { parseDirectives, SASL_PROTOCOL, SASL_SERVER_NAME } from '../../src/auth/digest-md5'
import type { ZkClient, Reply } from '../../src/client'
import { OpCode } from '../../src/engine/codes'
import type { NodeHandle } from '../support/topology'
import { httpGet } from '../support/launch'
import { ZkCli } from '../support/zkcli'

function md5 (...parts: Array<string | Buffer>): Buffer {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** SASL DIGEST-MD5 as `user`: the reply to the last packet sent (err 0 when logged in). */
export async function saslLogin (c: ZkClient, user: string, password: string): Promise<Reply> {
  const first = await c.request({ type: OpCode.sasl, token: Buffer.alloc(0) })
  const challenge = first.body?.token
  if (first.err !== 0 || challenge === undefined || challenge === null) return first
  const d = parseDirectives(Buffer.from(challenge).toString('utf8'))
  const nonce = d.get('nonce') ?? ''
  const realm = d.get('realm') ?? ''
  const cnonce = randomBytes(16).toString('base64')
  const nc = '00000001'
  const uri = `${SASL_PROTOCOL}/${SASL_SERVER_NAME}`
  const ha1 = md5(md5(`${user}:${realm}:${password}`), `:${nonce}:${cnonce}`).toString('hex')
  const kd = (a2: string): string => md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:`, md5(a2).toString('hex')).toString('hex')
  const response = `charset=utf-8,username="${user}",realm="${realm}",nonce="${nonce}",nc=${nc},cnonce="${cnonce}",digest-uri="${uri}",maxbuf=65536,response=${kd(`AUTHENTICATE:${uri}`)},qop=auth`
  return await c.request({ type: OpCode.sasl, token: Buffer.from(response, 'utf8') })
}

/** whoAmI as "scheme:user" strings, in the server's order. */
export async function whoAmI (c: ZkClient): Promise<string[]> {
  const r = await c.request({ type: OpCode.whoAmI })
  if (r.err !== 0) throw new Error(`whoAmI failed: ${r.err}`)
  return (r.body?.clientInfo ?? []).map((i) => `${i.authScheme}:${i.user}`)
}

/** The running node whose `cons` lists the session, or undefined. */
export async function servingNode (nodes: readonly NodeHandle[], sessionId: number): Promise<NodeHandle | undefined> {
  const sid = `sid=0x${sessionId.toString(16)},`
  for (const n of nodes) {
    if (!n.running) continue
    const res = await httpGet(n.httpPort, '/v1/fourletter/cons')
    if (res?.body.includes(sid) === true) return n
  }
  return undefined
}

/** zkCli.sh logged in over SASL (a JAAS Client section): the stock Java client, interactive. */
export class SaslZkCli extends ZkCli {
  constructor (address: string, jaasFile: string) {
    super(address, 'zkCli (SASL)', jaasFile)
  }
}
