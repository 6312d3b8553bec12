// `redkeeper <command> [options]`: a small command table, so later
// subcommands (node, sidecar, ls, get, ...) are one entry each.

import { REDKEEPER_VERSION, ZK_VERSION } from '../server/version'
import type { Command, Io } from './command'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors'
import { OPS_COMMANDS } from './ops'
import { SUMMARIES } from './summaries'

/**
 * A command whose module is loaded only when it runs: `redkeeper ls` (and
 * every script calling it) does not pay for loading the servers' Fastify,
 * ioredis and stores.
 */
function lazy (name: keyof typeof SUMMARIES, load: () => Promise<Command>): Command {
  return { name, summary: SUMMARIES[name], run: async (argv, env, io) => await (await load()).run(argv, env, io) }
}

const COMMANDS: readonly Command[] = [
  lazy('start', async () => (await import('./start')).startCommand),
  lazy('node', async () => (await import('./node')).nodeCommand),
  lazy('sidecar', async () => (await import('./sidecar')).sidecarCommand),
  lazy('export', async () => (await import('./export')).exportCommand),
  lazy('import', async () => (await import('./import')).importCommand),
  lazy('config', async () => (await import('./config-print')).configCommand),
  ...OPS_COMMANDS
]

function help (): string {
  const width = Math.max('-v, --version'.length, ...COMMANDS.map((c) => c.name.length)) + 4
  return 'Usage: redkeeper <command> [options]\n\n' +
    'A ZooKeeper-compatible coordination service.\n\n' +
    'Commands:\n' +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('') +
    '\nOptions:\n' +
    `  ${'-h, --help'.padEnd(width)}show this help (or \`redkeeper <command> --help\`)\n` +
    `  ${'-v, --version'.padEnd(width)}print the version\n`
}

const stdio: Io = {
  out: (text) => { process.stdout.write(text) },
  err: (text) => { process.stderr.write(text) }
}

/** Runs the command line; resolves to the exit code. */
export async function main (argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = stdio): Promise<number> {
  try {
    const [first, ...rest] = argv
    if (first === undefined) throw new UsageError('missing command (see redkeeper --help)')
    if (first === '--help' || first === '-h' || first === 'help') {
      io.out(help())
      return EXIT_OK
    }
    if (first === '--version' || first === '-v') {
      io.out(`redkeeper ${REDKEEPER_VERSION} (ZooKeeper ${ZK_VERSION} compatible)\n`)
      return EXIT_OK
    }
    const command = COMMANDS.find((c) => c.name === first)
    if (command === undefined) {
      throw new UsageError(first.startsWith('-') ? `unknown flag ${first} (see redkeeper --help)` : `unknown command '${first}' (see redkeeper --help)`)
    }
    return await command.run(rest, env, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`redkeeper: ${err.message}\n`)
      return EXIT_USAGE
    }
    io.err(`redkeeper: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`)
    return EXIT_FAILURE
  }
}

/** The process entry point (bin/redkeeper.js). */
export function run (): void {
  main(process.argv.slice(2)).then((code) => {
    // Explicit exit: a stray handle (a client socket mid-close) must not keep
    // a stopped server's process alive.
    process.exit(code)
  }, (err: unknown) => {
    process.stderr.write(`redkeeper: ${String(err)}\n`)
    process.exit(EXIT_FAILURE)
  })
}

if (require.main === module) run()
