import t from 'tap'
import { startRedkeeper } from '../support/redkeeper'
import { FUZZ_SERVER_ARGS, runSchemathesis, summaryOf } from './schemathesis'

// A short schemathesis run (random cases and API-link sequences) against the
// embedded server's REST API (every phase, boundary cases included, the long
// one, on embedded and node1: test/heavy/schemathesis-long.test.ts). Every
// 5xx, every response outside its documented schema fails it, with
// schemathesis's report (and its curl to reproduce) in the message.

t.test('schemathesis against /openapi.json (embedded)', async (t) => {
  const rk = await startRedkeeper({ args: FUZZ_SERVER_ARGS })
  t.teardown(() => rk.destroy())
  const run = await runSchemathesis(rk.httpPort, { maxExamples: 3, seed: 42, phases: 'fuzzing,stateful', timeoutMs: 240_000 })
  t.comment(summaryOf(run.out))
  t.equal(run.code, 0, 'no server error, every response as documented', { report: run.out.slice(-12_000) })
})
