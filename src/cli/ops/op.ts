// Turns an operator command's body into a Command: --help, the API client,
// and its failures mapped to the documented exit codes.

import type { Command, Io } from '../command'
import { EXIT_OK } from '../errors'
import { ApiClient, EXIT_REFUSED, EXIT_UNREACHABLE, ServerRefusal, Unreachable } from './http'
import { bool, clientOf, COMMON_HELP, parseOp, type OpArgs, type OpSpec } from './options'

export interface OpContext {
  args: OpArgs
  api: ApiClient
  json: boolean
  io: Io
  /** writes raw bytes to stdout (get --raw) */
  writeBytes(bytes: Uint8Array): void
}

export interface OpDef {
  name: string
  summary: string
  /** usage line and the command's own flags; COMMON_HELP is appended */
  help: string
  spec: OpSpec
  body(ctx: OpContext): Promise<void>
}

/** "NONODE for /x" (the server's message) → "NONODE: /x"; other messages keep their words. */
export function refusalLine (e: ServerRefusal): string {
  const m = /^[A-Z]+ for (\/\S*)$/.exec(e.message)
  return m !== null ? `${e.error}: ${m[1]}` : `${e.error}: ${e.message}`
}

export function opCommand (def: OpDef): Command {
  return {
    name: def.name,
    summary: def.summary,
    async run (argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
      const args = parseOp(argv, def.spec)
      if (bool(args, 'help')) {
        io.out(def.help + '\n' + COMMON_HELP)
        return EXIT_OK
      }
      const api = clientOf(args, env)
      try {
        await def.body({ args, api, json: bool(args, 'json'), io, writeBytes: (b) => { process.stdout.write(b) } })
        return EXIT_OK
      } catch (err) {
        if (err instanceof ServerRefusal) {
          io.err(refusalLine(err) + '\n')
          return EXIT_REFUSED
        }
        if (err instanceof Unreachable) {
          io.err(`redkeeper: ${err.message}\n`)
          return EXIT_UNREACHABLE
        }
        throw err
      }
    }
  }
}

/** --json output: one JSON document, one line. */
export function printJson (io: Io, body: unknown): void {
  io.out(JSON.stringify(body) + '\n')
}
