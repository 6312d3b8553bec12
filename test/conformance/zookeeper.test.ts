// The conformance suite against a real Apache ZooKeeper 3.8: this is what
// proves the suite's expectations are ZooKeeper's.

import t from 'tap'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'
import { conformance } from './suite'

let zk: ZooKeeperHandle | undefined

t.before(async () => {
  zk = await startZooKeeper()
})
t.teardown(async () => {
  await zk?.stop()
})

conformance(t, () => {
  if (zk === undefined) throw new Error('ZooKeeper did not start')
  return zk.address
})
