// Connection identities, one implementation for the embedded server and the
// service node: the auth packet (opcode 100), SASL DIGEST-MD5 (opcode 102)
// and whoAmI's formatting. Schemes as a ZooKeeper 3.8 registers them: ip and
// digest always (digest with an optional superDigest), sasl when a JAAS
// Server section with users is configured. Anything else fails exactly as a
// ZooKeeper without that provider does (AUTHFAILED, then close).

import { createHash } from 'node:crypto'
import type { Id } from '../engine/types'
import { registerAuthScheme } from '../engine/prepare'
import type { ClientInfo } from '../protocol'
import { DigestMd5Server, SaslError } from '../auth/digest-md5'

export interface AuthConfig {
  /**
   * zookeeper.DigestAuthenticationProvider.superDigest, "super:<base64 sha1>":
   * `addauth digest super:<password>` then grants the super identity.
   */
  superDigest?: string
  /** the JAAS Server section's users (name → password); SASL is offered only with some */
  saslUsers?: ReadonlyMap<string, string>
  /** zookeeper.superUser: the SASL user that is also super */
  saslSuperUser?: string
  /**
   * zookeeper.enforce.auth.enabled + zookeeper.enforce.auth.schemes (and
   * zookeeper.sessionRequireClientSASLAuth = ["sasl"]): a connection must hold
   * an identity of one of these schemes before any request but auth and sasl.
   */
  enforceAuthSchemes?: readonly string[]
  /** zookeeper.allowSaslFailedClients: a failed SASL exchange keeps the connection (unless SASL is required) */
  allowSaslFailedClients?: boolean
}

/** DigestAuthenticationProvider.generateDigest: "user:base64(sha1(user:password))". */
export function digestId (userPassword: string): string {
  const colon = userPassword.indexOf(':')
  const user = colon === -1 ? userPassword : userPassword.substring(0, colon)
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64')
  return `${user}:${hash}`
}

/** Registers what `cfg` adds to the default schemes (sasl ACL ids become valid). Process-wide, as ZooKeeper's ProviderRegistry. */
export function registerAuthConfig (cfg: AuthConfig): void {
  if (cfg.saslUsers !== undefined && cfg.saslUsers.size > 0) registerAuthScheme('sasl')
}

/**
 * The identities an auth packet grants, in the order ZooKeeper adds them, or
 * undefined when the scheme has no provider or refuses (the caller replies
 * AUTHFAILED and closes).
 */
export function authIdentities (scheme: string, auth: Buffer, remoteAddress: string, cfg: AuthConfig = {}): Id[] | undefined {
  switch (scheme) {
    case 'digest': {
      const id = digestId(auth.toString('utf8'))
      return id === cfg.superDigest
        ? [{ scheme: 'super', id: '' }, { scheme: 'digest', id }]
        : [{ scheme: 'digest', id }]
    }
    case 'ip':
      return [{ scheme: 'ip', id: remoteAddress }]
    default:
      // sasl included: SASLAuthenticationProvider.handleAuthentication refuses
      return undefined
  }
}

/** The scheme's own identity (no super), for callers without a configuration (test doubles). */
export function authenticate (scheme: string, auth: Buffer, remoteAddress: string): Id | undefined {
  const ids = authIdentities(scheme, auth, remoteAddress)
  return ids === undefined ? undefined : ids[ids.length - 1]
}

/** One connection's SASL exchange (ZooKeeperSaslServer). */
export class SaslExchange {
  private readonly server: DigestMd5Server | undefined

  constructor (private readonly cfg: AuthConfig) {
    const users = cfg.saslUsers
    this.server = users !== undefined && users.size > 0 ? new DigestMd5Server((u) => users.get(u)) : undefined
  }

  /**
   * processSasl: the reply token and the identities gained (on completion),
   * or `failed` (AUTHFAILED, then close). Without SASL configured ZooKeeper's
   * saslServer is null and it answers OK with a null token.
   */
  step (token: Buffer): { token: Buffer | null, ids: Id[] } | { failed: string } {
    if (this.server === undefined) return { token: null, ids: [] }
    try {
      const reply = this.server.evaluate(token)
      const ids: Id[] = []
      const who = this.server.authorizationId
      if (this.server.complete && who !== undefined) {
        ids.push({ scheme: 'sasl', id: who })
        if (who !== '' && who === this.cfg.saslSuperUser) ids.push({ scheme: 'super', id: '' })
      }
      return { token: reply, ids }
    } catch (err) {
      if (err instanceof SaslError) return { failed: err.message }
      throw err
    }
  }
}

/**
 * AuthUtil.getClientInfos: the provider's user name (digest: the part before
 * ':'), "" for schemes without a provider (super).
 */
export function clientInfo (id: Id): ClientInfo {
  switch (id.scheme) {
    case 'digest':
      return { authScheme: id.scheme, user: id.id.split(':')[0] ?? '' }
    case 'ip':
    case 'sasl':
      return { authScheme: id.scheme, user: id.id }
    default:
      return { authScheme: id.scheme, user: '' }
  }
}

/** Java's String.hashCode over UTF-16 code units. */
function javaStringHash (s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** The jute-generated Id.hashCode. */
function idHash (id: Id): number {
  const h = (Math.imul(17, 37) + javaStringHash(id.scheme)) | 0
  return (Math.imul(h, 37) + javaStringHash(id.id)) | 0
}

/**
 * `ids` in the order ZooKeeper's ServerCnxn.authInfo (a set over a
 * ConcurrentHashMap) hands them out: by hash bin, then by insertion within a
 * bin. whoAmI lists identities, and fixupACL expands `auth` entries, in this
 * order. The table starts at 16 bins and doubles when 3/4 full; within-bin
 * order after a resize (a dozen identities and a collision) is not modelled.
 */
export function authInfoOrder (ids: readonly Id[]): Id[] {
  let bins = 16
  while (ids.length >= bins - (bins >>> 2)) bins *= 2
  const bin = (id: Id): number => {
    const h = idHash(id)
    return ((h ^ (h >>> 16)) & 0x7fffffff) & (bins - 1)
  }
  return ids.map((id, i) => ({ id, i, b: bin(id) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.id)
}
