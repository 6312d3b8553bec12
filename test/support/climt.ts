import { execFile } from 'node:child_process'
import { Interactive } from './interactive'

/** ZooKeeper's C client shell, from Debian's zookeeper-bin package. */
export const CLI_MT = '/usr/lib/zookeeper/bin/cli_mt'

/**
 * An interactive cli_mt session. It prints everything on stderr, runs
 * commands asynchronously and answers each with a "<path>: rc = N" (or
 * "[<path>]: rc = N" for create) line, which `waitFor` keys on.
 */
export class CliMt extends Interactive {
  constructor (address: string, name = 'cli_mt') {
    super(name, CLI_MT, ['-h', address])
  }

  /** Resolves with the session id (hex, no 0x) once connected. */
  async sessionId (): Promise<string> {
    const m = await this.waitFor(/Got a new session id: 0x([0-9a-f]+)\n/)
    return m[1] as string
  }

  async quit (): Promise<void> {
    this.send('quit')
    await this.close()
  }
}

/** One command in cli_mt's batch mode (`-c`); returns what it printed. */
export function cliMtBatch (address: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(CLI_MT, ['-h', address, '-c', command], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null && stderr === '') reject(err)
      else resolve(stdout + stderr)
    })
    child.stdin?.end()
  })
}
