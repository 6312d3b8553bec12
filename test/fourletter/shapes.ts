// Line shapes of ZooKeeper 3.8's four-letter words, for holding redkeeper's
// answers to ZooKeeper's line by line. Each word's lines are classified by
// the first matching pattern (a line no pattern matches becomes "?<line>",
// which fails any comparison). Key=value words are classified by their key,
// so the keys and their order are compared; everything else by its layout.
// Values may differ between servers, never the layout.

const HEX = '0x[0-9a-f]+'
const ADDR = '/[0-9a-f.:]+:\\d+'
const JAVA_DATE = '[A-Z][a-z]{2} [A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d:\\d\\d [A-Za-z0-9+-]+ \\d{4}'

/** The srvr/stat summary lines (ZooKeeper's ServerStats), in order. */
const SUMMARY: Array<[string, RegExp]> = [
  ['version', /^Zookeeper version: [A-Za-z0-9.${}-]+, built on \d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+$/],
  ['latency', /^Latency min\/avg\/max: \d+\/\d+(\.\d+)?\/\d+$/],
  ['received', /^Received: \d+$/],
  ['sent', /^Sent: \d+$/],
  ['connections', /^Connections: \d+$/],
  ['outstanding', /^Outstanding: \d+$/],
  ['zxid', new RegExp(`^Zxid: ${HEX}$`)],
  ['mode', /^Mode: standalone$/],
  ['nodecount', /^Node count: \d+$/]
]

const CNXN_BRIEF: [string, RegExp] = ['cnxn', new RegExp(`^ ${ADDR}\\[[0-9a-f]+\\]\\(queued=\\d+,recved=\\d+,sent=\\d+\\)$`)]
const CNXN_FULL: [string, RegExp] = ['cnxn+session', new RegExp(`^ ${ADDR}\\[[0-9a-f]+\\]\\(queued=\\d+,recved=\\d+,sent=\\d+,sid=${HEX},lop=\\w+,est=\\d+,to=\\d+(,lcxid=${HEX})?,lzxid=${HEX},lresp=\\d+,llat=\\d+,minlat=\\d+,avglat=\\d+,maxlat=\\d+\\)$`)]
const BLANK: [string, RegExp] = ['blank', /^$/]

const STRUCTURED: Record<string, Array<[string, RegExp]>> = {
  srvr: SUMMARY,
  stat: [...SUMMARY, ['clients', /^Clients:$/], CNXN_BRIEF, BLANK],
  cons: [CNXN_FULL, CNXN_BRIEF, BLANK],
  crst: [['reset', /^Connection stats reset\.$/]],
  srst: [['reset', /^Server stats reset\.$/]],
  wchs: [['summary', /^\d+ connections watching \d+ paths$/], ['total', /^Total watches:\d+$/]],
  wchc: [['session', new RegExp(`^${HEX}$`)], ['path', /^\t\/.*$/], BLANK],
  wchp: [['path', /^\/.*$/], ['session', new RegExp(`^\\t${HEX}$`)], BLANK],
  dump: [
    ['tracker', /^SessionTracker dump:$/],
    ['sessionSets', /^Session Sets \(\d+\)\/\(\d+\):$/],
    ['bucket', new RegExp(`^\\d+ expire at ${JAVA_DATE}:$`)],
    ['session', new RegExp(`^\\t${HEX}$`)],
    ['ephemerals', /^ephemeral nodes dump:$/],
    ['owners', /^Sessions with Ephemerals \(\d+\):$/],
    ['owner', new RegExp(`^${HEX}:$`)],
    ['path', /^\t\/.*$/],
    ['connections', /^Connections dump:$/],
    ['connectionSets', /^Connections Sets \(\d+\)\/\(\d+\):$/],
    ['cnxn', new RegExp(`^\\tip: ${ADDR} sessionId: ${HEX}$`)]
  ]
}

/** key=value words: the separator, and a header line before the pairs */
const KEYED: Record<string, { sep: string, header?: string }> = {
  conf: { sep: '=' },
  envi: { sep: '=', header: 'Environment:' },
  mntr: { sep: '\t' },
  dirs: { sep: ': ' }
}

/** The answer's lines ("a\nb\n" → a, b); a text without a final newline keeps its last line. */
export function linesOf (text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** One token per line: its shape, or its key for key=value words. */
export function shapesOf (word: string, text: string): string[] {
  const keyed = KEYED[word]
  if (keyed !== undefined) {
    return linesOf(text).map((line, i) => {
      if (i === 0 && keyed.header !== undefined) return line === keyed.header ? 'header' : `?${line}`
      const at = line.indexOf(keyed.sep)
      return at > 0 ? `${line.substring(0, at)}` : `?${line}`
    })
  }
  const table = STRUCTURED[word]
  if (table === undefined) throw new Error(`no shapes for ${word}`)
  return linesOf(text).map((line) => table.find(([, re]) => re.test(line))?.[0] ?? `?${line}`)
}

/**
 * Runs of repeated lines (one per connection, session, path) collapsed, and
 * then repeated groups of two (a bucket with its members, a session with
 * its paths), so counts may differ but not the layout. `same` maps shapes
 * that may interleave (ZooKeeper lists connections in hash order, with and
 * without a session) to one class.
 */
export function squeeze (shapes: readonly string[], repeated: ReadonlySet<string>, same: Readonly<Record<string, string>> = {}): string[] {
  const out: string[] = []
  for (const raw of shapes) {
    const s = same[raw] ?? raw
    const token = repeated.has(s) ? `${s}*` : s
    if (repeated.has(s) && out[out.length - 1] === token) continue
    out.push(token)
    const n = out.length
    if (n >= 4 && out[n - 1] === out[n - 3] && out[n - 2] === out[n - 4] && out[n - 1].endsWith('*') && out[n - 2].endsWith('*')) out.length = n - 2
  }
  return out
}

/**
 * The entries of a section as "header: item, item" with items sorted, the
 * entries sorted too: ZooKeeper prints its hash maps in hash order, so only
 * the set of entries can be compared. `name` maps a session id to the
 * test's name for it.
 */
export function entriesOf (lines: readonly string[], isHeader: (line: string) => boolean, name: (s: string) => string): string[] {
  const out: Array<{ head: string, items: string[] }> = []
  for (const line of lines) {
    if (isHeader(line)) out.push({ head: name(line), items: [] })
    else if (line.startsWith('\t') && out.length > 0) out[out.length - 1].items.push(name(line.substring(1)))
  }
  return out.map((e) => `${e.head}: ${e.items.sort().join(', ')}`).sort()
}
