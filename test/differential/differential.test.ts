// Differential test: the same seeded random workload is sent, step by step,
// to a real Apache ZooKeeper 3.8 and to redkeeper, and every reply (error
// code, zxid offset, Stat without times, data, children, results) and every
// watch event each session receives (in order) must match. After each step
// every session does a cheap read, so that the events a step triggered have
// been delivered (ZooKeeper's watch-before-reply ordering) before comparing.
//
// DIFF_SEEDS="1,2" or "1-20" and DIFF_OPS=1200 choose the workload; a failure
// prints the seed, the step and both sides.

import t from 'tap'
import { startZooKeeper } from '../support/zookeeper'
import { startRedkeeper } from '../support/redkeeper'
import { runDifferential } from './runner'

// Both run with extended types (TTL nodes) and a container sweep interval
// longer than any run: containers and TTL nodes are compared as created,
// never swept at a moment only one side chooses (test/containers covers the
// sweep itself).
const NEVER_MS = 2147483647

t.test('redkeeper answers exactly as ZooKeeper 3.8 on seeded random workloads', async (t) => {
  const zk = await startZooKeeper({ jvmFlags: ['-Dzookeeper.extendedTypesEnabled=true', `-Dznode.container.checkIntervalMs=${NEVER_MS}`] })
  const rk = await startRedkeeper({ args: ['--extended-types', '--container-check-interval-ms', String(NEVER_MS)] })
  t.teardown(async () => { await zk.stop(); await rk.stop() })
  await runDifferential(t, zk.address, rk.address, 'redkeeper', { extendedTypes: true })
})
