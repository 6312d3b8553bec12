// ZooKeeper's `4lw.commands.whitelist` (FourLetterCommands.isEnabled in
// 3.8.0): a comma list of words, blanks trimmed, empty items ignored; `*`
// enables every word ZooKeeper knows; `srvr` is always enabled because
// zkServer.sh status depends on it. Unset means `srvr` alone, ZooKeeper
// 3.8's default. A word outside the list gets one line (see refusal()).

import { FOUR_LETTER_WORDS } from './fourletter-words'

/** The words enabled when nothing is configured: ZooKeeper 3.8.0's default. */
export const DEFAULT_4LW_WHITELIST = 'srvr'

export class WhitelistError extends Error {
  readonly word: string
  constructor (word: string) {
    super(`'${word}' is not a four-letter word (known: ${[...FOUR_LETTER_WORDS].sort().join(', ')}, or *)`)
    this.name = 'WhitelistError'
    this.word = word
  }
}

/**
 * The enabled words for a whitelist value. ZooKeeper silently ignores an
 * item that names no command; we throw WhitelistError instead, so a typo
 * (`ruk`) is a one-line error at start rather than a word that never answers.
 */
export function parseWhitelist (value: string | undefined): ReadonlySet<string> {
  const enabled = new Set<string>()
  for (const raw of (value ?? DEFAULT_4LW_WHITELIST).split(',')) {
    const word = raw.trim()
    if (word === '') continue
    if (word === '*') {
      for (const w of FOUR_LETTER_WORDS) enabled.add(w)
      // ZooKeeper stops reading the list at `*`
      break
    }
    if (!FOUR_LETTER_WORDS.has(word)) throw new WhitelistError(word)
    enabled.add(word)
  }
  enabled.add('srvr')
  return enabled
}

/** ZooKeeper's answer (NopCommand) to a known word left out of the whitelist. */
export function refusal (word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`
}
