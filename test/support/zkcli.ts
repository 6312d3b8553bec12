import { execFile } from 'node:child_process'
import { Interactive, escapeRegExp } from './interactive'

/** The Java CLI shipped with Debian's zookeeper package. */
export const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh'

// One pipe for both streams: zkCli prints answers on stdout and errors on
// stderr, and their relative order matters to the transcript.
const MERGED = 'exec "$0" "$@" 2>&1'
const JVM_FLAGS = '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1'

/**
 * An interactive zkCli session. zkCli prints no prompt when stdin is not a
 * terminal, so `run` follows each command with a `stat` of a unique missing
 * path: its "Node does not exist" line marks the end of the command's output.
 */
export class ZkCli extends Interactive {
  private seq = 0

  /** `jaasFile`: log in over SASL with that JAAS Client section, as a ZooKeeper user would. */
  constructor (address: string, name = 'zkCli', jaasFile?: string) {
    const flags = jaasFile === undefined ? JVM_FLAGS : `${JVM_FLAGS} -Djava.security.auth.login.config=${jaasFile}`
    super(name, 'bash', ['-c', MERGED, ZKCLI, '-server', address], {
      env: { ...process.env, CLIENT_JVMFLAGS: flags }
    })
  }

  /** Runs one command and returns everything it printed. */
  async run (command: string, timeoutMs = 20_000): Promise<string> {
    const marker = `/zkcli-end-of-output-${process.pid}-${++this.seq}`
    const from = this.mark()
    this.send(command)
    this.send(`stat ${marker}`)
    const m = await this.waitFor(new RegExp(`Node does not exist: ${escapeRegExp(marker)}\\r?\\n`), from, timeoutMs)
    return this.transcript.slice(from, from + m.index)
  }

  /** Sends `quit` and waits for the JVM to exit (that closes the session). */
  async quit (): Promise<void> {
    this.send('quit')
    await this.close()
  }
}

/** Runs zkCli in batch mode (one command per JVM) and returns its output. */
export function zkCliBatch (address: string, ...command: string[]): Promise<string> {
  return zkCliBatchWith('', address, ...command)
}

/** zkCliBatch with extra JVM flags (e.g. the client's TLS system properties). */
export function zkCliBatchWith (jvmFlags: string, address: string, ...command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', MERGED, ZKCLI, '-server', address, ...command], {
      env: { ...process.env, CLIENT_JVMFLAGS: `${JVM_FLAGS} ${jvmFlags}`.trimEnd() },
      timeout: 60_000
    }, (err, stdout) => {
      if (err !== null && stdout === '') reject(err)
      else resolve(stdout)
    })
  })
}
