// `redkeeper config print <start|node|sidecar> [--config <file>] [options]`:
// validates a command line exactly as the command would (same parser, same
// exit 2 on a bad value) and prints the effective settings, each with where
// it came from, in the config file's own key=value form.

import type { Command, Io } from './command'
import { layerConfigFile } from './config-sources'
import { EXIT_OK, UsageError } from './errors'
import type { Setting } from './settings'
import { SUMMARIES } from './summaries'

interface Target {
  settings: ReadonlyArray<Setting<unknown>>
  /** the command's own parser: validation and its cross-checks */
  parse: (argv: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void) => unknown
}

const TARGETS: Record<string, () => Promise<Target>> = {
  start: async () => {
    const m = await import('./start')
    return { settings: m.START_SETTINGS, parse: m.parseStartArgs }
  },
  node: async () => {
    const m = await import('./node')
    return { settings: m.NODE_SETTINGS, parse: m.parseNodeArgs }
  },
  sidecar: async () => {
    const m = await import('./sidecar')
    return { settings: m.SIDECAR_SETTINGS, parse: m.parseSidecarArgs }
  }
}

/** Values never printed in full: they are credentials. */
const SECRET = new Set(['api-token', 'super-digest'])

const USAGE = 'Usage: redkeeper config print <start|node|sidecar> [--config <file>] [options]\n\n' +
  'Checks the settings as `redkeeper <command>` would (exit 2 on a bad value)\n' +
  'and prints the effective ones as key=value lines, each with its source:\n' +
  'flag, env <VARIABLE>, <file>:<line>, or default. Precedence: flag >\n' +
  'environment > config file > default. Secrets are masked.\n'

async function run (argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [sub, target, ...rest] = argv
  if (sub === '--help' || sub === '-h' || (sub === 'print' && (target === '--help' || target === '-h'))) {
    io.out(USAGE)
    return EXIT_OK
  }
  if (sub !== 'print') throw new UsageError(sub === undefined ? 'missing subcommand (redkeeper config print <start|node|sidecar>)' : `unknown subcommand '${sub}' (redkeeper config print <start|node|sidecar>)`)
  const load = target === undefined ? undefined : TARGETS[target]
  if (load === undefined || target === undefined) throw new UsageError(`config print needs the command whose settings to print: start, node or sidecar${target === undefined ? '' : ` (not '${target}')`}`)
  const t = await load()
  if (t.parse(rest, env, (w) => io.err(`redkeeper: warning: ${w}\n`)) === 'help') {
    io.out(USAGE)
    return EXIT_OK
  }
  io.out(effectiveSettings(t.settings, rest, env, target).join('\n') + '\n')
  return EXIT_OK
}

/** One `key=value  # source` line per setting (a default without a value is a comment). */
export function effectiveSettings (settings: ReadonlyArray<Setting<unknown>>, argv: string[], env: NodeJS.ProcessEnv, command: string): string[] {
  const layered = layerConfigFile(argv, env, settings, command)
  const width = Math.max(...settings.map((s) => s.flag.length)) + 1
  return settings.map((s) => {
    const flagged = flagValue(layered.argv, s)
    let value: string
    let source: string
    if (flagged !== undefined) {
      value = flagged
      source = 'flag'
    } else if (env[s.env] !== undefined && env[s.env] !== '') {
      value = env[s.env] as string
      source = `env ${s.env}`
    } else {
      const f = layered.fromFile.get(s.flag)
      if (f === undefined) return `# ${s.flag.padEnd(width)} default: ${s.defaultText}`
      value = f.value
      source = f.where
    }
    return `${`${s.flag}=${shown(s.flag, value)}`.padEnd(width + 24)} # ${source}`
  })
}

function shown (flag: string, value: string): string {
  if (SECRET.has(flag)) return '<hidden>'
  // a Redis URL may carry a password
  if (flag === 'redis') return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1<hidden>@')
  return value
}

/** The last value the command line gives `s` (a value-less boolean flag is "true"). */
function flagValue (argv: string[], s: Setting<unknown>): string | undefined {
  let out: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a === `--${s.flag}`) out = s.arg === '' || (s.flag === 'fsync') ? 'true' : argv[++i]
    else if (a.startsWith(`--${s.flag}=`)) out = a.slice(s.flag.length + 3)
    else if (s.flag === 'fsync' && a === '--no-fsync') out = 'false'
  }
  return out
}

export const configCommand: Command = {
  name: 'config',
  summary: SUMMARIES.config,
  run
}
