// node:util parseArgs, strict, with its errors turned into short UsageErrors
// ("unknown flag --x") instead of Node's paragraph-long messages.

import { parseArgs } from 'node:util'
import { UsageError } from './errors'

export interface FlagSpec {
  strings: string[]
  booleans: string[]
  short?: Record<string, string>
}

export type FlagValues = Record<string, string | boolean | undefined>

export function parseFlags (argv: string[], spec: FlagSpec): { values: FlagValues } {
  const options: Record<string, { type: 'string' | 'boolean', short?: string }> = {}
  for (const name of spec.strings) options[name] = { type: 'string' }
  for (const name of spec.booleans) options[name] = { type: 'boolean' }
  for (const [letter, name] of Object.entries(spec.short ?? {})) {
    const o = options[name]
    if (o !== undefined) o.short = letter
  }
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
    return { values: values as FlagValues }
  } catch (err) {
    throw new UsageError(describe(err, argv))
  }
}

function describe (err: unknown, argv: string[]): string {
  const e = err as { code?: string, message?: string }
  const msg = e.message ?? String(err)
  const quoted = /'([^']+)'/.exec(msg)?.[1]
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted ?? ''}`.trim()
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "--zk-port <value>" when a string flag lacks its value; "--help" when
      // a boolean flag was given one.
      const flag = quoted?.split(' ')[0] ?? ''
      if (quoted?.includes('<value>') === true) return `flag ${flag} needs a value`
      return `flag ${flag} takes no value`
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted ?? argv.find((a) => !a.startsWith('-')) ?? ''}'`
    default:
      return msg.split('\n')[0]
  }
}

/** The value of a string flag, if it was given. */
export function stringFlag (values: FlagValues, flag: string): string | undefined {
  const v = values[flag]
  return typeof v === 'string' ? v : undefined
}
