// The auth packet (opcode 100): which identities a connection gains. Only the
// schemes ZooKeeper 3.8 ships without extra configuration are offered:
// digest (user:password) and ip (the peer's address). Anything else fails
// exactly as a ZooKeeper without that provider does (AUTHFAILED, then close).

import { createHash } from 'node:crypto'
import type { Id } from '../engine/types'

/** DigestAuthenticationProvider.generateDigest: "user:base64(sha1(user:password))". */
export function digestId (userPassword: string): string {
  const colon = userPassword.indexOf(':')
  const user = colon === -1 ? userPassword : userPassword.substring(0, colon)
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64')
  return `${user}:${hash}`
}

/**
 * The identity an auth packet grants, or undefined when the scheme is unknown
 * (the caller replies AUTHFAILED and closes).
 */
export function authenticate (scheme: string, auth: Buffer, remoteAddress: string): Id | undefined {
  switch (scheme) {
    case 'digest':
      return { scheme: 'digest', id: digestId(auth.toString('utf8')) }
    case 'ip':
      return { scheme: 'ip', id: remoteAddress }
    default:
      return undefined
  }
}
