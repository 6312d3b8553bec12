// The authentication settings `start` and `node` share: ZooKeeper's
// superDigest, the JAAS file of SASL DIGEST-MD5 users and the SASL super user.

import { readFileSync } from 'node:fs'
import { JaasError, parseJaasUsers } from '../auth/jaas'
import type { AuthConfig } from '../server/auth'
import { UsageError } from './errors'
import { BadValue, nonEmpty, resolve, type Parser, type Setting } from './settings'

const superDigest: Parser<string> = (raw) => {
  // DigestAuthenticationProvider compares "user:base64(sha1(user:password))"
  if (!/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(raw)) throw new BadValue(`'${raw}' is not a digest (super:<base64 sha1>, as DigestAuthenticationProvider prints it)`)
  return raw
}

export const AUTH_SETTINGS = {
  superDigest: { flag: 'super-digest', env: 'REDKEEPER_SUPER_DIGEST', arg: '<user:digest>', parse: superDigest, defaultText: 'none', help: 'zookeeper.DigestAuthenticationProvider.superDigest: addauth digest with this user:password is super' },
  saslUsers: { flag: 'sasl-users', env: 'REDKEEPER_SASL_USERS', arg: '<jaas file>', parse: nonEmpty, defaultText: 'none', help: 'JAAS file whose Server section lists DIGEST-MD5 users (user_<name>="<password>"); enables SASL' },
  saslSuperUser: { flag: 'sasl-super-user', env: 'REDKEEPER_SASL_SUPER_USER', arg: '<name>', parse: nonEmpty, defaultText: 'none', help: 'zookeeper.superUser: the SASL user that is super' }
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
      cfg.saslUsers = parseJaasUsers(text)
    } catch (err) {
      if (err instanceof JaasError) throw new UsageError(`JAAS file ${file}: ${err.message}`)
      throw err
    }
  }
  const superUser = resolve(S.saslSuperUser, str(S.saslSuperUser.flag), env)
  if (superUser !== undefined) cfg.saslSuperUser = superUser
  return cfg
}
