// The ZooKeeper conformance suite: ZooKeeper 3.8's observable semantics,
// checked over the wire with our raw client. Every expectation here has been
// run against a real ZooKeeper 3.8 (zookeeper.test.ts); redkeeper.test.ts
// holds our server to the same. Point it at a FRESH server with the default
// tickTime (2000 ms): the first case pins the initial tree, and the timeout
// bounds follow from tickTime. Cases share the server but each works under
// its own top-level path.

import type { Test } from 'tap'
import { aclCases } from './acl'
import { containerCases } from './containers'
import { multiCases } from './multi'
import { persistentWatchCases } from './persistent-watches'
import { sessionCases } from './sessions'
import { treeCases } from './tree'
import { watchCases } from './watches'
import { wireCases } from './wire'

export function conformance (t: Test, addr: () => string): void {
  treeCases(t, addr)
  multiCases(t, addr)
  watchCases(t, addr)
  persistentWatchCases(t, addr)
  sessionCases(t, addr)
  wireCases(t, addr)
  aclCases(t, addr)
  containerCases(t, addr)
}
