/** @noSelfInFile */
// Numbers cross into Redis as text we format ourselves. Redis converts a Lua
// number argument of redis.call with "%.14g", which rounds anything above
// 10^14 (zxids, session ids near 2^52, TTL and container owners near -2^63).
// "%.17g" is the shortest printf format that round-trips every double, and it
// prints every integer below 10^17 as plain digits.

export function num(n: number): string {
  // Integers below 10^17 (ids, zxids, seqs, times: nearly every call) as
  // '%d', which Lua 5.1 formats through a C long: the very text '%.17g'
  // gives them, at a fraction of the cost of float formatting.
  if (n % 1 === 0 && n < 1e17 && n > -1e17) return string.format('%d', n)
  return string.format('%.17g', n)
}

/** Parses a number this module wrote; a malformed field is a corrupt store, not a user error. */
export function parse(s: string, what: string): number {
  const n = tonumber(s)
  if (n === undefined) return error('redkeeper: corrupt ' + what + ': ' + s)
  return n
}
