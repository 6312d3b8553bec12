import t from 'tap'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { FUZZ_SERVER_ARGS, runSchemathesis, summaryOf } from '../fuzz/schemathesis'

// The long schemathesis run (every phase, more cases) on the embedded server
// and on a node over Redis: `npx tap --timeout=1200 test/heavy/schemathesis-long.test.ts`.
// SCHEMATHESIS_EXAMPLES and SCHEMATHESIS_SEED change the run.

const examples = Number(process.env.SCHEMATHESIS_EXAMPLES ?? 50)
const seed = Number(process.env.SCHEMATHESIS_SEED ?? Date.now() % 100000)

t.test('embedded', async (t) => {
  const rk = await startRedkeeper({ args: FUZZ_SERVER_ARGS })
  t.teardown(() => rk.destroy())
  const run = await runSchemathesis(rk.httpPort, { maxExamples: examples, seed, timeoutMs: 900_000 })
  t.comment(`seed ${seed}: ${summaryOf(run.out)}`)
  t.equal(run.code, 0, 'no server error, every response as documented', { report: run.out.slice(-20_000) })
})

t.test('node1', async (t) => {
  const topo = await startTopology('node1', { node: { args: FUZZ_SERVER_ARGS } })
  t.teardown(() => topo.stop())
  const run = await runSchemathesis(topo.nodes[0].httpPort, { maxExamples: examples, seed, timeoutMs: 900_000 })
  t.comment(`seed ${seed}: ${summaryOf(run.out)}`)
  t.equal(run.code, 0, 'no server error, every response as documented', { report: run.out.slice(-20_000) })
})
