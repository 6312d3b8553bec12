// The chart in docs/performance.svg, drawn by hand (no charting dependency):
// top, grouped bars of each redkeeper topology's throughput over ZooKeeper's
// per workload; bottom, p50 (solid) and p99 (pale) latency of every system
// on a log scale.

import { ordered } from './report'
import type { Row } from './workloads'

const COLORS: Record<string, string> = { zookeeper: '#7f7f7f', embedded: '#d62728', node1: '#1f77b4', lb3: '#2ca02c' }
const PALE: Record<string, string> = { zookeeper: '#cfcfcf', embedded: '#f2b0b0', node1: '#aecbe6', lb3: '#b3dfb3' }

export function escapeXml (s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string)
}

function num (n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0'
}

export interface ChartInput { title: string, rows: Row[] }

export function renderChart ({ title, rows: unordered }: ChartInput): string {
  const rows = ordered(unordered)
  const systems = ['zookeeper', 'embedded', 'node1', 'lb3'].filter((s) => rows.some((r) => r.system === s))
  const ours = systems.filter((s) => s !== 'zookeeper')
  const keys: string[] = []
  for (const r of rows) if (r.system !== 'redis' && !keys.includes(r.key)) keys.push(r.key)
  const label = (k: string): string => rows.find((r) => r.key === k)?.workload ?? k
  const find = (s: string, k: string): Row | undefined => rows.find((r) => r.system === s && r.key === k)

  // room for the first rotated label
  const left = 110
  const groupW = Math.max(18 * systems.length + 14, 60)
  const width = left + keys.length * groupW + 170
  const panelH = 220
  const top1 = 50
  const top2 = top1 + panelH + 130
  const height = top2 + panelH + 130
  const parts: string[] = []
  const text = (x: number, y: number, s: string, attrs = ''): void => { parts.push(`<text x="${num(x)}" y="${num(y)}" ${attrs}>${escapeXml(s)}</text>`) }
  const rect = (x: number, y: number, w: number, h: number, fill: string, tip: string): void => {
    parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(Math.max(0, h))}" fill="${fill}"><title>${escapeXml(tip)}</title></rect>`)
  }
  const xLabels = (y: number): void => {
    keys.forEach((k, i) => {
      const x = left + i * groupW + groupW / 2
      text(x, y, label(k), `font-size="10" text-anchor="end" transform="rotate(-35 ${num(x)} ${num(y)})"`)
    })
  }

  text(width / 2, 24, title, 'font-size="15" text-anchor="middle" font-weight="bold"')

  // panel 1: throughput ratio vs ZooKeeper
  const ratios = ours.flatMap((s) => keys.map((k) => {
    const r = find(s, k)
    const z = find('zookeeper', k)
    return r !== undefined && z !== undefined && z.opsPerSec > 0 ? r.opsPerSec / z.opsPerSec : NaN
  })).filter(Number.isFinite)
  const maxRatio = Math.max(2, ...ratios) * 1.1
  const y1 = (v: number): number => top1 + panelH - (v / maxRatio) * panelH
  text(left, top1 - 8, 'throughput ÷ ZooKeeper’s (same run); dashed: 1.0× and the 1.5× embedded target', 'font-size="11"')
  for (let t = 0; t <= maxRatio; t += maxRatio > 6 ? 2 : 0.5) {
    parts.push(`<line x1="${left}" x2="${num(left + keys.length * groupW)}" y1="${num(y1(t))}" y2="${num(y1(t))}" stroke="#eee"/>`)
    text(left - 6, y1(t) + 4, `${t}×`, 'font-size="10" text-anchor="end"')
  }
  for (const [v, color] of [[1, '#555'], [1.5, '#d62728']] as const) {
    parts.push(`<line x1="${left}" x2="${num(left + keys.length * groupW)}" y1="${num(y1(v))}" y2="${num(y1(v))}" stroke="${color}" stroke-dasharray="4 3"/>`)
  }
  keys.forEach((k, i) => {
    const z = find('zookeeper', k)
    ours.forEach((s, j) => {
      const r = find(s, k)
      if (r === undefined || z === undefined || z.opsPerSec <= 0) return
      const v = r.opsPerSec / z.opsPerSec
      const x = left + i * groupW + 7 + j * 18
      rect(x, y1(v), 14, top1 + panelH - y1(v), COLORS[s], `${s} ${label(k)}: ${v.toFixed(2)}× ZooKeeper`)
    })
  })
  parts.push(`<line x1="${left}" x2="${left}" y1="${top1}" y2="${top1 + panelH}" stroke="#333"/>`)
  xLabels(top1 + panelH + 14)

  // panel 2: latency, log scale
  const lat = rows.filter((r) => r.system !== 'redis').flatMap((r) => [r.p50Ms, r.p99Ms]).filter((v) => Number.isFinite(v) && v > 0)
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...lat, 1))))
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...lat, 10))))
  const y2 = (v: number): number => top2 + panelH - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * panelH
  text(left, top2 - 8, 'latency, ms (log scale): p50 solid, p99 pale', 'font-size="11"')
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    parts.push(`<line x1="${left}" x2="${num(left + keys.length * groupW)}" y1="${num(y2(d))}" y2="${num(y2(d))}" stroke="#eee"/>`)
    text(left - 6, y2(d) + 4, d >= 1 ? String(d) : d.toPrecision(1), 'font-size="10" text-anchor="end"')
  }
  keys.forEach((k, i) => {
    systems.forEach((s, j) => {
      const r = find(s, k)
      if (r === undefined) return
      const x = left + i * groupW + 7 + j * 18
      if (Number.isFinite(r.p99Ms)) rect(x, y2(r.p99Ms), 14, top2 + panelH - y2(r.p99Ms), PALE[s], `${s} ${label(k)}: p99 ${r.p99Ms} ms`)
      if (Number.isFinite(r.p50Ms)) rect(x, y2(r.p50Ms), 14, top2 + panelH - y2(r.p50Ms), COLORS[s], `${s} ${label(k)}: p50 ${r.p50Ms} ms`)
    })
  })
  parts.push(`<line x1="${left}" x2="${left}" y1="${top2}" y2="${top2 + panelH}" stroke="#333"/>`)
  xLabels(top2 + panelH + 14)

  // legend
  const lx = left + keys.length * groupW + 20
  systems.forEach((s, i) => {
    rect(lx, top1 + i * 20, 12, 12, COLORS[s], s)
    text(lx + 18, top1 + i * 20 + 10, s, 'font-size="11"')
  })

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    ''
  ].join('\n')
}
