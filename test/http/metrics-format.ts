// A strict reader of the Prometheus text exposition format 0.0.4, for the
// /metrics tests: every line must be a HELP, a TYPE or a sample of a family
// declared before it; histograms must be whole and cumulative. Throws on the
// first deviation, so a malformed page fails the test.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Page {
  types: Map<string, string>
  samples: Sample[]
  /** value of the one sample with this name and exactly these labels (undefined: absent) */
  get (name: string, labels?: Record<string, string>): number | undefined
}

function parseValue (s: string, line: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY
  if (s === '-Inf') return Number.NEGATIVE_INFINITY
  if (s === 'NaN') return Number.NaN
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value '${s}' in: ${line}`)
  return Number(s)
}

function parseLabels (body: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < body.length) {
    const eq = body.indexOf('=', i)
    if (eq < 0) throw new Error(`bad labels in: ${line}`)
    const name = body.substring(i, eq)
    if (!LABEL.test(name)) throw new Error(`bad label name '${name}' in: ${line}`)
    if (name in labels) throw new Error(`duplicate label '${name}' in: ${line}`)
    if (body[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`)
    let j = eq + 2
    let value = ''
    for (;;) {
      if (j >= body.length) throw new Error(`unterminated label value in: ${line}`)
      const c = body[j]
      if (c === '"') break
      if (c === '\\') {
        const n = body[j + 1]
        if (n === 'n') value += '\n'
        else if (n === '\\' || n === '"') value += n
        else throw new Error(`bad escape in: ${line}`)
        j += 2
        continue
      }
      value += c
      j++
    }
    labels[name] = value
    i = j + 1
    if (i < body.length) {
      if (body[i] !== ',') throw new Error(`expected ',' in: ${line}`)
      i++
    }
  }
  return labels
}

/** The family a sample name belongs to (histogram series carry suffixes). */
function familyOf (name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length)
      if (types.get(base) === 'histogram') return base
    }
  }
  return undefined
}

export function parseExposition (text: string): Page {
  if (!text.endsWith('\n')) throw new Error('the page does not end with a newline')
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const samples: Sample[] = []
  const seen = new Set<string>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
      if (m === null) throw new Error(`bad comment line: ${line}`)
      const [, kind, name, rest] = m
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`)
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type: ${line}`)
        if (types.has(name)) throw new Error(`second TYPE for ${name}`)
        if (samples.some((s) => familyOf(s.name, new Map([[name, rest]])) === name)) throw new Error(`TYPE after samples of ${name}`)
        types.set(name, rest)
      } else {
        if (helps.has(name)) throw new Error(`second HELP for ${name}`)
        helps.add(name)
      }
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`bad sample line: '${line}'`)
    const [, name, , labelBody, raw] = m
    if (familyOf(name, types) === undefined) throw new Error(`sample before its TYPE: ${line}`)
    const labels = labelBody === undefined ? {} : parseLabels(labelBody, line)
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`
    if (seen.has(key)) throw new Error(`duplicate series: ${line}`)
    seen.add(key)
    samples.push({ name, labels, value: parseValue(raw, line) })
  }
  checkHistograms(types, samples)
  const get = (name: string, labels: Record<string, string> = {}): number | undefined => {
    const want = JSON.stringify(Object.entries(labels).sort())
    return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value
  }
  return { types, samples, get }
}

/** Each histogram series: buckets ascending in le, cumulative, ending in +Inf == _count, with a _sum. */
function checkHistograms (types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue
    const groups = new Map<string, Sample[]>()
    for (const s of samples) {
      if (s.name !== `${family}_bucket`) continue
      const { le, ...rest } = s.labels
      if (le === undefined) throw new Error(`${family}_bucket without le`)
      const k = JSON.stringify(Object.entries(rest).sort())
      groups.set(k, [...(groups.get(k) ?? []), s])
    }
    for (const [k, buckets] of groups) {
      const rest = Object.fromEntries(JSON.parse(k) as Array<[string, string]>)
      let prevLe = Number.NEGATIVE_INFINITY
      let prev = 0
      for (const b of buckets) {
        const le = parseValue(b.labels.le, b.labels.le)
        if (!(le > prevLe)) throw new Error(`${family}: le not ascending`)
        if (b.value < prev) throw new Error(`${family}: buckets not cumulative`)
        prevLe = le
        prev = b.value
      }
      if (prevLe !== Number.POSITIVE_INFINITY) throw new Error(`${family}: no +Inf bucket`)
      const match = (s: Sample, n: string): boolean => s.name === n && JSON.stringify(Object.entries(s.labels).sort()) === k
      const count = samples.find((s) => match(s, `${family}_count`))
      if (count === undefined || count.value !== prev) throw new Error(`${family}${JSON.stringify(rest)}: _count missing or != +Inf bucket`)
      if (samples.find((s) => match(s, `${family}_sum`)) === undefined) throw new Error(`${family}: _sum missing`)
    }
  }
}
