// infra/grafana/redkeeper.json and the alerts of docs/operations.md name
// only metrics that /metrics really exposes: read from a running embedded
// server and a running node (the node-only Redis metrics), not from the
// source.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { httpGet } from '../support/launch'
import { REPO_ROOT, startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'

const DASHBOARD = join(REPO_ROOT, 'infra', 'grafana', 'redkeeper.json')
const METRIC = /\b(?:redkeeper|process|nodejs)_[a-z0-9_]+/g

interface Panel { id: number, type: string, title: string, gridPos: { h: number, w: number, x: number, y: number }, targets?: Array<{ expr: string, refId: string }> }

/** Metric names of an exposition: `# TYPE <name> <type>` lines. */
async function exposed (port: number): Promise<Set<string>> {
  const r = await httpGet(port, '/metrics')
  if (r === null || r.status !== 200) throw new Error(`/metrics on ${port}: ${r?.status ?? 'no answer'}`)
  return new Set(Array.from(r.body.matchAll(/^# TYPE (\S+) /gm), (m) => m[1]))
}

/** A series name as queried, back to its metric family (histograms: _bucket, _sum, _count). */
function family (name: string, known: Set<string>): string {
  if (known.has(name)) return name
  return name.replace(/_(bucket|sum|count)$/, '')
}

t.test('the dashboard is well-formed', async (t) => {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string, panels: Panel[], templating: { list: Array<{ name: string }> } }
  t.equal(d.uid, 'redkeeper')
  const ids = d.panels.map((p) => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const p of d.panels) {
    t.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title}: fits the 24-column grid`)
    if (p.type !== 'row') t.ok((p.targets ?? []).length > 0 && p.targets!.every((x) => x.expr.length > 0), `${p.title}: has queries`)
  }
  const vars = d.templating.list.map((v) => v.name)
  const used = new Set(Array.from(readFileSync(DASHBOARD, 'utf8').matchAll(/\$\{?([a-z]+)/g), (m) => m[1]))
  for (const v of used) t.ok(vars.includes(v), `$${v} is a dashboard variable`)
})

t.test('every metric the dashboard and the alerts name is exposed', async (t) => {
  const rk = await startRedkeeper()
  t.teardown(() => rk.destroy())
  const topo = await startTopology('node1')
  t.teardown(() => topo.stop())
  const names = new Set([...await exposed(rk.httpPort), ...await exposed(topo.nodes[0].httpPort)])
  t.ok(names.has('redkeeper_requests_total') && names.has('redkeeper_redis_call_duration_seconds'), 'both kinds of process were read')

  const dashboard = new Set(readFileSync(DASHBOARD, 'utf8').match(METRIC) ?? [])
  t.ok(dashboard.size >= 20, `${dashboard.size} metric names in the dashboard`)
  for (const n of dashboard) t.ok(names.has(family(n, names)), `dashboard: ${n} is exposed`)

  const ops = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8')
  const alerts = ops.slice(ops.indexOf('## Alerts'))
  const inAlerts = new Set(alerts.match(METRIC) ?? [])
  t.ok(inAlerts.size >= 5, `${inAlerts.size} metric names in the alerts`)
  for (const n of inAlerts) t.ok(names.has(family(n, names)), `alerts: ${n} is exposed`)
})
