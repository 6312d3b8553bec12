// The words ZooKeeper 3.8's FourLetterCommands knows. Kept apart from the
// formatters so the whitelist parser can use it without an import cycle.

export const FOUR_LETTER_WORDS: ReadonlySet<string> = new Set([
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'ruok', 'stmk', 'srst',
  'srvr', 'stat', 'wchc', 'wchp', 'wchs', 'mntr', 'isro', 'hash',
])
