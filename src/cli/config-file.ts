// A configuration file in the Java properties form ZooKeeper users know from
// zoo.cfg: `key=value` (or `key: value`, or `key value`) per line, `#` and
// `!` comments, blank lines ignored, a trailing backslash continues a line.
// Pure: the caller reads the file, so errors can name it.

/** One `key=value` line, with where it was, for error messages and `config print`. */
export interface ConfigEntry {
  key: string
  value: string
  /** 1-based line number of the key */
  line: number
}

export class ConfigFileError extends Error {
  override name = 'ConfigFileError'
}

export function parseProperties (text: string): ConfigEntry[] {
  const out: ConfigEntry[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1
    let logical = lines[i].replace(/^\s+/, '')
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue
    // an odd number of trailing backslashes continues the line (Properties.load)
    while (/(^|[^\\])(\\\\)*\\$/.test(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i].replace(/^\s+/, '')
    }
    const sep = /^((?:[^\\=:\s]|\\.)+)\s*(?:[=:]\s*|\s+|$)/.exec(logical)
    if (sep === null || sep[1] === '') throw new ConfigFileError(`line ${start}: expected key=value, got '${logical}'`)
    const key = unescape(sep[1])
    const value = unescape(logical.slice(sep[0].length)).trimEnd()
    out.push({ key, value, line: start })
  }
  return out
}

function unescape (s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16))
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c
  })
}
