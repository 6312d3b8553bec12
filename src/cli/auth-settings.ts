// The authentication settings `start` and `node` share: ZooKeeper's
// superDigest, the JAAS file of SASL DIGEST-MD5 users and the SASL super user,
// and the 3.7+ enforcement switches HBase deployments set.

import { readFileSync } from 'node:fs'
import { JaasError, parseJaasUsers } from '../auth/jaas'
import type { AuthConfig } from '../server/auth'
import { UsageError } from './errors'
import { BadValue, bool, nonEmpty, resolve, type Parser, type Setting } from './settings'

const superDigest: Parser<string> = (raw) => {
  // DigestAuthenticationProvider compares "user:base64(sha1(user:password))"
  if (!/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(raw)) throw new BadValue(`'${raw}' is not a digest (super:<base64 sha1>, as DigestAuthenticationProvider prints it)`)
  return raw
}

const schemeList: Parser<string[]> = (raw) => {
  // AuthenticationHelper splits on ',' and trims
  const schemes = raw.split(',').map((x) => x.trim())
  if (schemes.some((x) => x === '')) throw new BadValue(`'${raw}' is not a comma-separated list of schemes`)
  return schemes
}

export const AUTH_SETTINGS = {
  superDigest: { flag: 'super-digest', env: 'REDKEEPER_SUPER_DIGEST', arg: '<user:digest>', parse: superDigest, defaultText: 'none', help: 'zookeeper.DigestAuthenticationProvider.superDigest: addauth digest with this user:password is super' },
  saslUsers: { flag: 'sasl-users', env: 'REDKEEPER_SASL_USERS', arg: '<jaas file>', parse: nonEmpty, defaultText: 'none', help: 'JAAS file whose Server section lists DIGEST-MD5 users (user_<name>="<password>"); enables SASL' },
  saslSuperUser: { flag: 'sasl-super-user', env: 'REDKEEPER_SASL_SUPER_USER', arg: '<name>', parse: nonEmpty, defaultText: 'none', help: 'zookeeper.superUser: the SASL user that is super' },
  saslSection: { flag: 'sasl-section', env: 'REDKEEPER_SASL_SECTION', arg: '<name>', parse: nonEmpty, defaultText: 'Server', help: 'zookeeper.sasl.serverconfig: the JAAS section that lists the users' },
  enforceAuthSchemes: { flag: 'enforce-auth-schemes', env: 'REDKEEPER_ENFORCE_AUTH_SCHEMES', arg: '<scheme,...>', parse: schemeList, defaultText: 'none', help: 'zookeeper.enforce.auth.enabled + .schemes (sasl = zookeeper.sessionRequireClientSASLAuth): a connection without one of these identities is closed at its first request' },
  allowSaslFailedClients: { flag: 'allow-sasl-failed-clients', env: 'REDKEEPER_ALLOW_SASL_FAILED_CLIENTS', arg: '<true|false>', parse: bool, defaultText: 'false', help: 'zookeeper.allowSaslFailedClients: a failed SASL login keeps the connection, without identity' }
} satisfies Record<string, Setting<unknown>>

/** The AuthConfig of flags/env; the JAAS file is read and checked here so a bad one fails at start. */
export function resolveAuth (str: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): AuthConfig {
  const S = AUTH_SETTINGS
  const cfg: AuthConfig = {}
  const digest = resolve(S.superDigest, str(S.superDigest.flag), env)
  if (digest !== undefined) cfg.superDigest = digest
  const file = resolve(S.saslUsers, str(S.saslUsers.flag), env)
  if (file !== undefined) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read the JAAS file ${file}: ${(err as Error).message}`)
    }
    try {
      cfg.saslUsers = parseJaasUsers(text, resolve(S.saslSection, str(S.saslSection.flag), env))
    } catch (err) {
      if (err instanceof JaasError) throw new UsageError(`JAAS file ${file}: ${err.message}`)
      throw err
    }
  }
  const superUser = resolve(S.saslSuperUser, str(S.saslSuperUser.flag), env)
  if (superUser !== undefined) cfg.saslSuperUser = superUser
  const schemes = resolve(S.enforceAuthSchemes, str(S.enforceAuthSchemes.flag), env)
  if (schemes !== undefined) {
    // AuthenticationHelper refuses to start on a scheme without a provider
    for (const scheme of schemes) {
      const known = scheme === 'digest' || scheme === 'ip' || (scheme === 'sasl' && cfg.saslUsers !== undefined)
      if (!known) throw new UsageError(`--${S.enforceAuthSchemes.flag}: authentication scheme '${scheme}' is not available${scheme === 'sasl' ? ' (sasl needs --sasl-users)' : ' (digest, ip, sasl)'}`)
    }
    cfg.enforceAuthSchemes = schemes
  }
  const allowFailed = resolve(S.allowSaslFailedClients, str(S.allowSaslFailedClients.flag), env)
  if (allowFailed === true) cfg.allowSaslFailedClients = true
  return cfg
}
