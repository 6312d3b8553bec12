// docs/soak.svg: memory (RSS per process, Redis used_memory) and latency
// (p50, p99 per interval) over the soak's time, with ops/s, and every fault
// as a shaded band. Drawn by hand like bench/svg.ts (no charting dependency).

import { escapeXml } from '../../bench/svg'
import type { FaultMark, Sample } from './verdict'

const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#d62728', '#7f7f7f']

function num (n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0'
}

interface Series { name: string, color: string, points: Array<[number, number | null]>, dash?: string }

export interface SoakChartInput { title: string, samples: Sample[], faults: FaultMark[] }

export function renderSoakChart ({ title, samples, faults }: SoakChartInput): string {
  const left = 70
  const plotW = 760
  const panelH = 180
  const gap = 70
  const tops = [50, 50 + panelH + gap, 50 + 2 * (panelH + gap)]
  const width = left + plotW + 190
  const height = tops[2] + panelH + 60
  const endT = Math.max(1, ...samples.map((s) => s.t), ...faults.map((f) => f.endS))
  const x = (t: number): number => left + (t / endT) * plotW
  const parts: string[] = []
  const text = (px: number, py: number, s: string, attrs = ''): void => { parts.push(`<text x="${num(px)}" y="${num(py)}" ${attrs}>${escapeXml(s)}</text>`) }

  const slots = [...new Set(samples.flatMap((s) => Object.keys(s.memory)))].sort()
  const memory: Series[] = slots.map((slot, i) => ({
    name: slot === 'redis.used_memory' ? 'redis used_memory' : `${slot} RSS`,
    color: PALETTE[i % PALETTE.length],
    dash: slot === 'redis.used_memory' ? '4 3' : undefined,
    points: samples.map((s) => [s.t, s.memory[slot] === null || s.memory[slot] === undefined ? null : s.memory[slot]!.bytes / 2 ** 20])
  }))
  const latency: Series[] = [
    { name: 'p50', color: '#1f77b4', points: samples.map((s) => [s.t, s.p50Ms]) },
    { name: 'p99', color: '#d62728', points: samples.map((s) => [s.t, s.p99Ms]) }
  ]
  const throughput: Series[] = [{ name: 'ops/s', color: '#2ca02c', points: samples.map((s) => [s.t, s.opsPerSec]) }]

  const panel = (top: number, label: string, series: Series[], log: boolean, names = false): void => {
    const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter((v): v is number => v !== null && Number.isFinite(v) && (!log || v > 0))
    let lo = 0
    let hi = Math.max(1, ...values) * 1.1
    if (log) {
      lo = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...values))))
      hi = Math.pow(10, Math.ceil(Math.log10(Math.max(10, ...values))))
    }
    const y = (v: number): number => log
      ? top + panelH - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * panelH
      : top + panelH - (v - lo) / (hi - lo) * panelH
    for (const f of faults) {
      parts.push(`<rect x="${num(x(f.startS))}" y="${top}" width="${num(Math.max(2, x(f.endS) - x(f.startS)))}" height="${panelH}" fill="#fbe3c8"><title>${escapeXml(`${f.name} at ${Math.round(f.startS)} s: ${f.note}`)}</title></rect>`)
    }
    // the fault's name along its band, in the first panel only
    if (names) for (const f of faults) text(x(f.startS) + 3, top + 4, f.name, `font-size="9" fill="#a0522d" transform="rotate(90 ${num(x(f.startS) + 3)} ${top + 4})"`)
    const ticks = log
      ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
      : Array.from({ length: 5 }, (_, i) => (hi / 4) * i)
    for (const v of ticks) {
      parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#eee"/>`)
      text(left - 6, y(v) + 4, v >= 100 || v === 0 ? String(Math.round(v)) : v >= 1 ? v.toFixed(1) : v.toPrecision(1), 'font-size="10" text-anchor="end"')
    }
    text(left, top - 8, label, 'font-size="11"')
    for (const s of series) {
      let d = ''
      let pen = false
      for (const [t, v] of s.points) {
        if (v === null || !Number.isFinite(v)) { pen = false; continue }
        d += `${pen ? 'L' : 'M'}${num(x(t))} ${num(y(v))} `
        pen = true
      }
      parts.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dash !== undefined ? ` stroke-dasharray="${s.dash}"` : ''}><title>${escapeXml(s.name)}</title></path>`)
    }
    parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + panelH}" stroke="#333"/>`)
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + panelH}" y2="${top + panelH}" stroke="#333"/>`)
    for (let i = 0; i <= 6; i++) {
      const t = (endT / 6) * i
      text(x(t), top + panelH + 14, `${Math.round(t / 60)} min`, 'font-size="10" text-anchor="middle"')
    }
    series.forEach((s, i) => {
      const ly = top + 10 + i * 16
      parts.push(`<line x1="${left + plotW + 15}" x2="${left + plotW + 35}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash !== undefined ? ` stroke-dasharray="${s.dash}"` : ''}/>`)
      text(left + plotW + 40, ly, s.name, 'font-size="10"')
    })
  }

  text(width / 2, 24, title, 'font-size="15" text-anchor="middle" font-weight="bold"')
  panel(tops[0], 'memory, MiB (shaded: a fault and its grace window; hover for which)', memory, false, true)
  panel(tops[1], 'latency of each sample interval, ms (log scale)', latency, true)
  panel(tops[2], 'throughput, ops/s', throughput, false)

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    ...parts,
    '</svg>',
    ''
  ].join('\n')
}
