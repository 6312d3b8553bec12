// The fault matrix (not in the default suite): `npm run test:faults`.
// Every fault of test/faults/faults.ts in turn, each on its own fresh
// cluster (redis-server, 3 nodes behind haproxy, 2-3 sidecars) under 16
// recorded sessions for FAULT_SECONDS (default 60). FAULTS=kill-node,... picks
// some, FAULT_SESSIONS changes the session count, FAULT_SEED the op mix.
// Prints the matrix at the end and writes it as JSON to FAULT_MATRIX
// (default $TMPDIR/redkeeper-fault-matrix.json).

import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { assertRow, FAULTS, runFault, type MatrixRow } from '../faults/faults'

const SECONDS = Number(process.env.FAULT_SECONDS ?? 60)
const SESSIONS = Number(process.env.FAULT_SESSIONS ?? 16)
const SEED = Number(process.env.FAULT_SEED ?? 1)
const PICK = process.env.FAULTS?.split(',').map((s) => s.trim()).filter((s) => s !== '')
const OUT = process.env.FAULT_MATRIX ?? join(tmpdir(), 'redkeeper-fault-matrix.json')

const faults = PICK === undefined ? FAULTS : FAULTS.filter((f) => PICK.includes(f.name))
if (PICK !== undefined && faults.length !== PICK.length) {
  throw new Error(`FAULTS: unknown fault in ${PICK.join(',')}; known: ${FAULTS.map((f) => f.name).join(', ')}`)
}
t.setTimeout(faults.length * (SECONDS + 120) * 1000)

const rows: MatrixRow[] = []
for (const fault of faults) {
  t.test(`${fault.name}: ${fault.what} (${SECONDS} s, ${SESSIONS} sessions)`, async (t) => {
    const { row } = await runFault(t, fault, { seconds: SECONDS, sessions: SESSIONS, seed: SEED })
    rows.push(row)
    assertRow(t, fault, row)
  })
}

t.teardown(() => {
  const head = ['fault', 'duration', 'ops checked', 'indeterminate', 'violations', 'lost writes', 'queue ops checked', 'queue violations', 'wrong expiries', 'allowed expiries', 'due expiries']
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.fault} | ${r.seconds} s | ${r.checked} (${r.verdict}) | ${r.indeterminate} | ${r.violations} | ${r.lostWrites} of ${r.acknowledgedWrites} | ${r.queueChecked} (${r.queueVerdict}) | ${r.queueViolations} | ${r.wrongExpiries} | ${r.allowedExpiries} | ${r.dueExpiries.replace(/ \(.*/, '')} |`)
  ]
  writeFileSync(OUT, JSON.stringify({ seed: SEED, sessions: SESSIONS, seconds: SECONDS, at: new Date().toISOString(), rows }, null, 2) + '\n')
  console.log(['', 'fault matrix:', ...lines, `(JSON: ${OUT})`].join('\n'))
})
