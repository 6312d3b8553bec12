// Typed settings from flags and environment variables: flag beats env beats
// default. Each setting is declared once, with its flag, env name, parser and
// help line, so `--help`, parsing and validation cannot drift apart.

import { UsageError } from './errors'

export type Parser<T> = (raw: string) => T

export interface Setting<T> {
  flag: string
  env: string
  /** placeholder in help, e.g. "<port>" */
  arg: string
  help: string
  parse: Parser<T>
  /** shown in help */
  defaultText: string
}

/** Thrown by parsers with the reason only; resolve() prefixes where the value came from. */
export class BadValue extends Error {}

export const port: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw)) throw new BadValue(`'${raw}' is not a port number (0-65535)`)
  const n = Number(raw)
  if (n > 65535) throw new BadValue(`${raw} is out of range (0-65535)`)
  return n
}

export const positiveInt: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new BadValue(`'${raw}' is not a positive integer`)
  }
  return Number(raw)
}

export const nonNegativeInt: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new BadValue(`'${raw}' is not a non-negative integer`)
  return Number(raw)
}

export const nonEmpty: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new BadValue('must not be empty')
  return raw
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
export const logLevel: Parser<string> = (raw) => {
  if (!LEVELS.includes(raw)) throw new BadValue(`'${raw}' is not a log level (${LEVELS.join(', ')})`)
  return raw
}

export const bool: Parser<boolean> = (raw) => {
  const v = raw.toLowerCase()
  if (v === 'true' || v === '1' || v === 'yes') return true
  if (v === 'false' || v === '0' || v === 'no') return false
  throw new BadValue(`'${raw}' is not a boolean (true/false)`)
}

/** The value of `s`: from its flag if given, else its env var if set, else undefined. */
export function resolve<T> (s: Setting<T>, flagValue: string | undefined, env: NodeJS.ProcessEnv): T | undefined {
  if (flagValue !== undefined) return parseFrom(s, flagValue, `--${s.flag}`)
  const e = env[s.env]
  if (e !== undefined && e !== '') return parseFrom(s, e, s.env)
  return undefined
}

function parseFrom<T> (s: Setting<T>, raw: string, source: string): T {
  try {
    return s.parse(raw)
  } catch (err) {
    if (err instanceof BadValue) throw new UsageError(`${source}: ${err.message}`)
    throw err
  }
}
