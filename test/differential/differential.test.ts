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

t.test('redkeeper answers exactly as ZooKeeper 3.8 on seeded random workloads', async (t) => {
  const zk = await startZooKeeper()
  const rk = await startRedkeeper()
  t.teardown(async () => { await zk.stop(); await rk.stop() })
  await runDifferential(t, zk.address, rk.address)
})
