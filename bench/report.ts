// The printed results: one Markdown table (every system and workload, with
// the ratio to ZooKeeper measured in the same run) and issue 8's targets as
// PASS/MISS lines.

import type { MemoryFigure, Row } from './workloads'

export interface TargetCheck { ok: boolean, line: string }

function fmt (n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a'
  return digits === 0 ? String(Math.round(n)) : n.toFixed(digits)
}

function ms (n: number): string {
  if (!Number.isFinite(n)) return 'n/a'
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3)
}

/** ops/s of `row` over ZooKeeper's for the same workload, or NaN. */
export function ratioVsZooKeeper (rows: Row[], row: Row): number {
  const zk = rows.find((r) => r.system === 'zookeeper' && r.key === row.key)
  return zk === undefined || zk.opsPerSec <= 0 ? NaN : row.opsPerSec / zk.opsPerSec
}

/** Rows grouped by system (in run order), workloads W1 … W5 within each, ties in run order. */
export function ordered (rows: Row[]): Row[] {
  const systems: string[] = []
  for (const r of rows) if (!systems.includes(r.system)) systems.push(r.system)
  const rank = (r: Row): number => /^W(\d)/.exec(r.key)?.[1] !== undefined ? Number(/^W(\d)/.exec(r.key)?.[1]) : 9
  return rows.map((r, i) => ({ r, i })).sort((a, b) =>
    systems.indexOf(a.r.system) - systems.indexOf(b.r.system) || rank(a.r) - rank(b.r) || a.i - b.i
  ).map((x) => x.r)
}

/** ZooKeeper's CPU per operation over `row`'s for the same workload (> 1: `row` spends less), or NaN. */
export function cpuRatioVsZooKeeper (rows: Row[], row: Row): number {
  const zk = rows.find((r) => r.system === 'zookeeper' && r.key === row.key)
  return zk === undefined || !(zk.cpuPer1kOps > 0) || !(row.cpuPer1kOps > 0) ? NaN : zk.cpuPer1kOps / row.cpuPer1kOps
}

export function markdownTable (unordered: Row[]): string {
  const rows = ordered(unordered)
  const out = [
    '| system | workload | ops/s | p50 ms | p99 ms | CPU s/1k ops | ratio vs ZooKeeper | CPU efficiency vs ZooKeeper | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const times = (n: number): string => Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a'
  for (const r of rows) {
    const zk = r.system === 'zookeeper'
    out.push(`| ${r.system} | ${r.workload} | ${fmt(r.opsPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${fmt(r.cpuPer1kOps, 3)} | ${zk ? '1.00×' : times(ratioVsZooKeeper(rows, r))} | ${zk ? '1.00×' : times(cpuRatioVsZooKeeper(rows, r))} | ${r.errors} |`)
  }
  return out.join('\n')
}

export function memoryTable (mem: MemoryFigure[]): string {
  if (mem.length === 0) return ''
  const out = [
    '| system | znodes | sessions | RSS baseline MB | RSS with znodes MB | RSS with sessions MB | bytes/znode (RSS) | bytes/session (RSS) | Redis used_memory bytes/znode | bytes/session |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  const mb = (b: number): string => (b / 1048576).toFixed(1)
  for (const m of mem) {
    out.push(`| ${m.system} | ${m.znodes} | ${m.sessions} | ${mb(m.rssBaseline)} | ${mb(m.rssWithZnodes)} | ${mb(m.rssWithSessions)} | ${fmt(m.bytesPerZnode)} | ${fmt(m.bytesPerSession)} | ${m.redisBytesPerZnode === undefined ? 'n/a' : fmt(m.redisBytesPerZnode)} | ${m.redisBytesPerSession === undefined ? 'n/a' : fmt(m.redisBytesPerSession)} |`)
  }
  return out.join('\n')
}

const PURE_WRITES = /^W1\.(create|set)\./

/** Issue 8's targets, for whatever this run measured. */
export function targetChecks (rows: Row[]): TargetCheck[] {
  const out: TargetCheck[] = []
  const zkRows = rows.filter((r) => r.system === 'zookeeper')
  if (zkRows.length === 0) return [{ ok: false, line: 'MISS no ZooKeeper rows in this run: no ratio can be checked (add --systems zookeeper)' }]
  const check = (ok: boolean, text: string): void => { out.push({ ok, line: `${ok ? 'PASS' : 'MISS'} ${text}` }) }
  for (const r of rows.filter((x) => x.system === 'embedded')) {
    const zk = zkRows.find((z) => z.key === r.key)
    if (zk === undefined) continue
    const ratio = r.opsPerSec / zk.opsPerSec
    check(ratio >= 1.5 && r.p50Ms <= zk.p50Ms, `embedded ${r.workload}: ${ratio.toFixed(2)}× ZooKeeper (target ≥ 1.5×), p50 ${ms(r.p50Ms)} vs ${ms(zk.p50Ms)} ms (target ≤)`)
  }
  for (const sys of ['node1', 'lb3']) {
    for (const r of rows.filter((x) => x.system === sys)) {
      const ratio = ratioVsZooKeeper(rows, r)
      if (r.key === 'W2') check(ratio >= 1.0, `${sys} ${r.workload}: ${fmt(ratio, 2)}× ZooKeeper (target ≥ 1.0×)`)
      if (PURE_WRITES.test(r.key)) check(ratio >= 0.8, `${sys} ${r.workload}: ${fmt(ratio, 2)}× ZooKeeper (target ≥ 0.8×)`)
    }
    for (const [ours, ceilings] of [['W1.create.100', ['ceiling.create', 'bench.create']], ['W1.get.100', ['ceiling.getData', 'bench.get']]] as const) {
      const r = rows.find((x) => x.system === sys && x.key === ours)
      if (r === undefined) continue
      for (const c of ceilings) {
        const ceil = rows.find((x) => x.system === 'redis' && x.key === c)
        if (ceil === undefined) continue
        const frac = r.opsPerSec / ceil.opsPerSec
        check(frac >= 0.5, `${sys} ${r.workload}: ${frac.toFixed(2)} of the Redis ceiling "${ceil.workload}" (${fmt(ceil.opsPerSec)} ops/s; target ≥ 0.5)`)
      }
    }
  }
  return out
}

const ROLES = ['java', 'redkeeper', 'sidecar', 'haproxy', 'node', 'redis']

/** CPU s/1k ops per process role, and the load generator's, for the rows that say where a topology spends. */
export function cpuTable (unordered: Row[]): string {
  const rows = ordered(unordered).filter((r) => r.cpuByRole !== undefined && r.ops > 0 && /^(W1\.(create|get|set)\.100|W2|W4)$/.test(r.key))
  if (rows.length === 0) return ''
  const roles = ROLES.filter((role) => rows.some((r) => r.cpuByRole?.[role] !== undefined))
  const out = [
    `| system | workload | ${roles.join(' | ')} | load generator |`,
    `|---|---|${roles.map(() => '---:|').join('')}---:|`
  ]
  for (const r of rows) {
    const per = (s: number | undefined): string => s === undefined || s === null ? '' : fmt(s / r.ops * 1000, 3)
    out.push(`| ${r.system} | ${r.workload} | ${roles.map((role) => per(r.cpuByRole?.[role])).join(' | ')} | ${per(r.clientCpuSeconds)} |`)
  }
  return out.join('\n')
}
