// The CLI's two kinds of failure, by exit code: 2 = the command line is
// wrong (usage), 1 = the command was fine but could not run.

/** A bad flag, value or environment variable: one line on stderr, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
