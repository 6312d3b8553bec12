// The shape of a subcommand. `start` is the first; `node`, `sidecar`, `ls`,
// `get`, ... slot into main.ts's table the same way.

export interface Io {
  out(text: string): void
  err(text: string): void
}

export interface Command {
  name: string
  /** one line for `redkeeper --help` */
  summary: string
  /** resolves to the process exit code; throws UsageError for a bad command line */
  run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number>
}
