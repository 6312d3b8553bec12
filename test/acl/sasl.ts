// SASL DIGEST-MD5 from the stock Java client: zkCli.sh with a JAAS Client
// section (CLIENT_JVMFLAGS), as a ZooKeeper user would log in.

import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ZKCLI } from '../support/zkcli'
import { clientJaas, SASL_USERS } from './scenario'

const JVM_FLAGS = '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1'

/** zkCli in batch mode as `user`; only what the command printed (log lines dropped). */
function zkCliAs (address: string, dir: string, tag: string, user: string, password: string, ...command: string[]): Promise<string> {
  const file = join(dir, `client-${tag}-${user}-${password.length}.jaas`)
  writeFileSync(file, clientJaas(user, password))
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', 'exec "$0" "$@" 2>&1', ZKCLI, '-server', address, ...command], {
      env: { ...process.env, CLIENT_JVMFLAGS: `${JVM_FLAGS} -Djava.security.auth.login.config=${file}` },
      timeout: 60_000
    }, (err, stdout) => {
      if (err !== null && stdout === '') reject(err)
      else resolve(answerLines(stdout))
    })
  })
}

/** zkCli's own output: drops log4j/slf4j lines and the connection banner. */
function answerLines (out: string): string {
  return out.split('\n')
    .filter((l) => !/^\d{4}-\d\d-\d\d|^SLF4J|^log4j|^Connecting to|^WATCHER::|^WatchedEvent|^\s*$|^JLine/.test(l))
    .join('\n')
}

export async function saslLogin (address: string, dir: string, tag: string): Promise<{ bob: string, superUser: string, wrong: string }> {
  const bob = await zkCliAs(address, dir, tag, 'bob', SASL_USERS.bob, 'whoami')
  const superUser = await zkCliAs(address, dir, tag, 'super', SASL_USERS.super, 'whoami')
  const wrong = await zkCliAs(address, dir, tag, 'bob', 'not-the-password', 'whoami')
  return { bob, superUser, wrong }
}
