import t from 'tap'
import { escapeXml, renderChart } from '../../bench/svg'
import type { Row } from '../../bench/workloads'

// The chart writer must produce well-formed XML (an SVG a browser renders),
// whatever the labels hold, and draw one bar per system and workload.

/** A small well-formedness check: balanced tags, quoted attributes, no stray `<` or `&`. */
function wellFormed (xml: string): string | null {
  const stack: string[] = []
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<\?[^>]*\?>|<!--[\s\S]*?-->|([^<]+)|(<)/g
  let m: RegExpExecArray | null
  let roots = 0
  while ((m = token.exec(xml)) !== null) {
    if (m[6] !== undefined) return `stray or malformed tag at ${m.index}: ${xml.slice(m.index, m.index + 40)}`
    const text = m[5] ?? m[3] ?? ''
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(text)) return `bare & at ${m.index}`
    if (m[5] !== undefined) {
      if (stack.length === 0 && m[5].trim() !== '') return `text outside the root at ${m.index}`
      continue
    }
    if (m[2] === undefined) continue
    if (m[1] === '/') {
      if (stack.pop() !== m[2]) return `</${m[2]}> closes the wrong element at ${m.index}`
    } else if (m[4] !== '/') {
      if (stack.length === 0) roots++
      stack.push(m[2])
    } else if (stack.length === 0) roots++
  }
  if (stack.length > 0) return `unclosed <${stack.join('><')}>`
  return roots === 1 ? null : `${roots} root elements`
}

function row (system: string, key: string, opsPerSec: number): Row {
  return { system, key, workload: `${key} <&> "quoted"`, ops: 100, errors: 0, errorSamples: [], opsPerSec, p50Ms: 1.5, p99Ms: 12, cpuSeconds: 0.1, cpuPer1kOps: 1, clientCpuSeconds: 0.1 }
}

t.test('the checker itself rejects broken XML', async (t) => {
  t.equal(wellFormed('<svg><rect/></svg>'), null)
  t.not(wellFormed('<svg><rect></svg>'), null)
  t.not(wellFormed('<svg><text>a & b</text></svg>'), null)
  t.not(wellFormed('<svg a=1></svg>'), null)
  t.not(wellFormed('<svg></svg><svg></svg>'), null)
})

t.test('escapeXml', async (t) => {
  t.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;')
})

t.test('a chart of four systems is well-formed SVG with a bar per system and workload', async (t) => {
  const rows: Row[] = []
  for (const [sys, f] of [['zookeeper', 1], ['embedded', 2], ['node1', 0.8], ['lb3', 0.5]] as const) {
    for (const k of ['W1.create.100', 'W2', 'W5']) rows.push(row(sys, k, 1000 * f))
  }
  rows.push(row('redis', 'ceiling.create', 50_000))
  const svg = renderChart({ title: 'bench & <test>', rows })
  t.equal(wellFormed(svg), null)
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  const bars = (svg.match(/<rect [^>]*><title>/g) ?? []).length
  // ratio panel: 3 of ours × 3 workloads; latency panel: 4 systems × 3 workloads × (p50 + p99); legend: 4
  t.equal(bars, 9 + 24 + 4)
  t.match(svg, /embedded W5 &lt;&amp;&gt; &quot;quoted&quot;: 2\.00× ZooKeeper/)
  t.notMatch(svg, /NaN|undefined|Infinity/)
})

t.test('a run without ZooKeeper or with a single system still renders', async (t) => {
  for (const rows of [[row('embedded', 'W5', 10)], [row('zookeeper', 'W5', 10)], []]) {
    const svg = renderChart({ title: 't', rows })
    t.equal(wellFormed(svg), null)
    t.notMatch(svg, /NaN|undefined|Infinity/)
  }
})
