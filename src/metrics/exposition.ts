// Prometheus text exposition format 0.0.4, written by hand: a page of
// counters needs no library, and the hot path (counters, histograms) stays
// plain field writes. https://prometheus.io/docs/instrumenting/exposition_formats/

import type { Histogram } from './histogram'

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Readonly<Record<string, string>>
export type MetricType = 'counter' | 'gauge' | 'histogram'

/** Label values escape backslash, double quote and newline. */
function escapeLabel (v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labelText (labels: Labels | undefined, extra?: string): string {
  const parts: string[] = []
  if (labels !== undefined) for (const k of Object.keys(labels)) parts.push(`${k}="${escapeLabel(labels[k])}"`)
  if (extra !== undefined) parts.push(extra)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

/** Go's/Prometheus' spelling of special floats. */
function num (v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(v)
}

/** Accumulates one scrape's text, one family at a time (HELP and TYPE once per family). */
export class Exposition {
  private out = ''

  family (name: string, type: MetricType, help: string): this {
    this.out += `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`
    return this
  }

  sample (name: string, value: number, labels?: Labels): this {
    this.out += `${name}${labelText(labels)} ${num(value)}\n`
    return this
  }

  /** A family of one sample. */
  single (name: string, type: 'counter' | 'gauge', help: string, value: number): this {
    return this.family(name, type, help).sample(name, value)
  }

  /** The _bucket/_sum/_count series of one histogram (after family()). */
  histogram (name: string, h: Histogram, labels?: Labels): this {
    const cum = h.cumulative()
    for (let i = 0; i < h.bounds.length; i++) {
      this.out += `${name}_bucket${labelText(labels, `le="${num(h.bounds[i])}"`)} ${cum[i]}\n`
    }
    this.out += `${name}_bucket${labelText(labels, 'le="+Inf"')} ${h.count}\n`
    this.out += `${name}_sum${labelText(labels)} ${num(h.sum)}\n`
    this.out += `${name}_count${labelText(labels)} ${h.count}\n`
    return this
  }

  text (): string {
    return this.out
  }
}
