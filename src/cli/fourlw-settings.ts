// The four-letter-word allow-list `start` and `node` share (whoever answers
// the words): ZooKeeper's 4lw.commands.whitelist.

import { parseWhitelist, WhitelistError } from '../server/whitelist'
import { BadValue, type Parser, type Setting } from './settings'

/** Checked here so a typo fails at start; the raw value goes to the server, which parses it the same way. */
const whitelist: Parser<string> = (raw) => {
  try {
    parseWhitelist(raw)
  } catch (err) {
    if (err instanceof WhitelistError) throw new BadValue(err.message)
    throw err
  }
  return raw
}

export const FOURLW_SETTINGS = {
  fourLetterWhitelist: { flag: '4lw-whitelist', env: 'REDKEEPER_4LW_WHITELIST', arg: '<words>', parse: whitelist, defaultText: 'srvr', help: '4lw.commands.whitelist: words answered (comma list, or * for all); srvr always is' }
} satisfies Record<string, Setting<unknown>>
