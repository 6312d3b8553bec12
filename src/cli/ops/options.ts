// What every operator command shares: its command line (flags plus
// positionals), where the server is, and who the caller is.

import { parseArgs } from 'node:util'
import { UsageError } from '../errors'
import { ApiClient, type Credentials } from './http'

export const DEFAULT_SERVER = 'http://127.0.0.1:8080'

/** Flags every operator command takes. */
const COMMON_STRINGS = ['server', 'token', 'user', 'timeout']
const COMMON_BOOLEANS = ['json', 'help']

export interface OpSpec {
  strings?: string[]
  booleans?: string[]
  short?: Record<string, string>
}

export interface OpArgs {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

/** Strict parse: unknown flags and missing values are usage errors (exit 2). */
export function parseOp (argv: string[], spec: OpSpec): OpArgs {
  const options: Record<string, { type: 'string' | 'boolean', short?: string }> = {}
  for (const n of [...COMMON_STRINGS, ...(spec.strings ?? [])]) options[n] = { type: 'string' }
  for (const n of [...COMMON_BOOLEANS, ...(spec.booleans ?? [])]) options[n] = { type: 'boolean' }
  options.help.short = 'h'
  for (const [letter, name] of Object.entries(spec.short ?? {})) options[name].short = letter
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true })
    return { values: values as OpArgs['values'], positionals }
  } catch (err) {
    const e = err as { code?: string, message?: string }
    const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1]
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${quoted ?? ''}`.trim())
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = quoted?.split(' ')[0] ?? ''
      throw new UsageError(quoted?.includes('<value>') === true ? `flag ${flag} needs a value` : `flag ${flag} takes no value`)
    }
    throw new UsageError((e.message ?? String(err)).split('\n')[0])
  }
}

export function str (a: OpArgs, flag: string): string | undefined {
  const v = a.values[flag]
  return typeof v === 'string' ? v : undefined
}

export function bool (a: OpArgs, flag: string): boolean {
  return a.values[flag] === true
}

/** A non-negative integer flag (versions, depths, limits, ms). */
export function intFlag (a: OpArgs, flag: string, min = 0): number | undefined {
  const raw = str(a, flag)
  if (raw === undefined) return undefined
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > 0x7fffffff) throw new UsageError(`--${flag} must be an integer from ${min} to 2147483647, not '${raw}'`)
  return Number(raw)
}

/** A znode path as zkCli wants it: absolute. The server checks the rest of ZooKeeper's rules. */
export function znodePath (raw: string | undefined, what = 'path'): string {
  if (raw === undefined || raw === '') throw new UsageError(`missing ${what} (a znode path such as /app)`)
  if (!raw.startsWith('/')) throw new UsageError(`${what} '${raw}' must start with /`)
  return raw
}

/** Exactly `n` positionals at most. */
export function noMoreThan (a: OpArgs, n: number): void {
  if (a.positionals.length > n) throw new UsageError(`unexpected argument '${a.positionals[n]}'`)
}

function serverUrl (raw: string, from: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new UsageError(`${from} '${raw}' is not a URL (e.g. http://127.0.0.1:8080)`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${from} '${raw}' must be an http:// or https:// URL`)
  return raw.replace(/\/+$/, '')
}

function credentials (token: string | undefined, user: string | undefined, from: string): Credentials {
  if (token !== undefined && user !== undefined) throw new UsageError(`${from}: give a token or a user, not both`)
  if (token !== undefined) {
    if (token === '') throw new UsageError('the token is empty')
    return { authorization: `Bearer ${token}` }
  }
  if (user !== undefined) {
    if (!/^[^:]+:/.test(user)) throw new UsageError('the user must be user:password')
    return { authorization: `Basic ${Buffer.from(user, 'utf8').toString('base64')}` }
  }
  return {}
}

/** The API client for --server/--token/--user/--timeout, falling back to REDKEEPER_SERVER/_TOKEN/_USER. */
export function clientOf (a: OpArgs, env: NodeJS.ProcessEnv): ApiClient {
  const flagServer = str(a, 'server')
  const server = flagServer !== undefined
    ? serverUrl(flagServer, '--server')
    : env.REDKEEPER_SERVER !== undefined && env.REDKEEPER_SERVER !== ''
      ? serverUrl(env.REDKEEPER_SERVER, 'REDKEEPER_SERVER')
      : DEFAULT_SERVER
  // Flags replace the environment's credentials as a whole, so `--user` works
  // in a shell that exports REDKEEPER_TOKEN.
  const fromFlags = str(a, 'token') !== undefined || str(a, 'user') !== undefined
  const creds = fromFlags
    ? credentials(str(a, 'token'), str(a, 'user'), '--token and --user')
    : credentials(nonEmpty(env.REDKEEPER_TOKEN), nonEmpty(env.REDKEEPER_USER), 'REDKEEPER_TOKEN and REDKEEPER_USER')
  const timeoutMs = intFlag(a, 'timeout', 1) ?? 30_000
  return new ApiClient({ server, credentials: creds, timeoutMs })
}

function nonEmpty (v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v
}

export const COMMON_HELP = `Connection (every command):
  --server <url>          the REST API of a redkeeper server or node
                          (env REDKEEPER_SERVER, default ${DEFAULT_SERVER})
  --token <token>         send "Authorization: Bearer <token>" (env REDKEEPER_TOKEN)
  --user <user:password>  send Basic credentials; the server treats them as
                          "addauth digest user:password" (env REDKEEPER_USER)
  --timeout <ms>          give up on the server after this long (default 30000)
  --json                  print the API's JSON reply (one document) instead
  -h, --help              show this help

Exit status: 0 done; 1 the server refused (one line on stderr naming the
ZooKeeper error, e.g. "NONODE: /x"); 2 bad command line; 3 cannot reach the
server, or it rejected the credentials (401) or cannot serve (503).
`
