// The soak harness, short: ~20 s with one fault (a node killed), sampled
// every 2 s, written to a temp dir. Checks what the long run produces (the
// JSON's samples, faults and verdict fields, the SVG) rather than the
// verdict itself: 20 s says nothing about growth.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { verdictLines } from './report'
import { runSoak, soakOptionsFromEnv } from './soak'

t.setTimeout(120_000)

t.test('a short soak: samples, one fault, the verdict, the chart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rk-soak-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const opts = soakOptionsFromEnv({ SOAK_SECONDS: '20', SOAK_FAULT_EVERY_S: '8', SOAK_SAMPLE_S: '2', SOAK_SESSIONS: '4', SOAK_GRACE_S: '5', SOAK_OUT: dir, SOAK_SVG: join(dir, 'soak.svg') }, dir)
  const r = await runSoak({ ...opts, log: (l) => t.comment(l) })
  for (const l of verdictLines(r)) t.comment(l)

  const json = JSON.parse(readFileSync(r.jsonPath, 'utf8')) as typeof r
  t.ok(json.samples.length >= 5, `${json.samples.length} samples`)
  t.equal(json.faults.length, 1, 'one fault in 20 s')
  t.equal(json.faults[0].name, 'kill-node')
  t.notMatch(json.faults[0].note, /FAILED/, 'the fault was injected and the cluster came back')
  t.ok(json.faults[0].endS >= json.faults[0].startS)
  t.ok(json.samples.some((s) => s.inFault), 'an interval falls in the fault window')
  t.ok(json.samples.reduce((a, s) => a + s.ops, 0) > 0, 'the load ran')
  const slots = ['node0', 'node1', 'node2', 'sidecar0', 'sidecar1', 'redis', 'redis.used_memory']
  t.same(json.samples.filter((s) => typeof s.t !== 'number' || slots.some((k) => !(k in s.memory))), [], 'every sample has its time and every process slot')
  const last = json.samples[json.samples.length - 1]
  t.ok((last.znodes ?? 0) >= opts.keys, `znode count ${last.znodes} (the W2 keys at least)`)
  t.ok((last.sessions ?? 0) >= 4, `session count ${last.sessions}`)
  t.ok(last.memory.node0 !== null && last.memory.node0.bytes > 0, 'a node RSS')

  const v = json.verdict
  t.equal(typeof v.ok, 'boolean')
  t.same(v.growth.map((g) => g.slot).sort(), ['node0', 'node1', 'node2', 'redis', 'redis.used_memory', 'sidecar0', 'sidecar1'])
  t.ok('firstThirdMs' in v.p99 && 'lastThirdMs' in v.p99 && 'ratio' in v.p99)
  t.equal(v.errors.outside, 0, 'no errors outside the fault window')
  t.equal(v.errors.total, v.errors.inFaultWindows + v.errors.outside)
  t.equal(typeof v.lostWrites.lost, 'number')
  t.equal(v.sessions.expected, 5, 'the 4 load sessions and the counter\'s')

  const svg = readFileSync(r.svgPath, 'utf8')
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  t.match(svg, /kill-node at \d+ s/, 'the fault is marked')
  t.match(svg, /node0 RSS/)
  t.match(svg, /p99/)
})
