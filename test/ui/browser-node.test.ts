// The web page on a service node (redis-server → node, a sidecar for the
// ZooKeeper client), in headless Chromium: the same page, the same REST API,
// the whole service's tables in Redis.

import t from 'tap'
import { startTopology, type Topology } from '../support/topology'
import { restArgs } from '../http/rest-suite'
import { screenshotPath, uiSuite } from './ui-suite'

t.setTimeout(60_000)

let topo: Topology | undefined
t.before(async () => {
  topo = await startTopology('node1', { node: { args: restArgs() } })
})
t.teardown(() => topo?.stop())

uiSuite(t, () => {
  if (topo === undefined) throw new Error('topology not started')
  return { base: `http://127.0.0.1:${topo.nodes[0].httpPort}`, zkAddress: topo.address }
}, 'ui-node', { screenshot: screenshotPath('web-ui-node.png') })
