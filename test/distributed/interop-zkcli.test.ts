// test/interop/zkcli.test.ts, unchanged, against the distributed topologies
// (RK_TOPOLOGIES, default node1 and lb3) instead of ZooKeeper and the
// embedded server: its targets() reads RK_TARGETS when the file loads.

import { topologyKinds } from './kinds'

process.env.RK_TARGETS = topologyKinds().join(',')
// A require, not an import: imports are hoisted above the line above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../interop/zkcli.test')
