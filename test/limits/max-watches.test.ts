import t, { type Test } from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'

// --max-watches-per-session, decided by the one engine (so the embedded
// store and the Redis library apply the same rule): past the limit a request
// that would set a watch fails with QUOTAEXCEEDED and sets nothing; the same
// read without a watch, and every other session, keep being served; a fired
// watch frees its slot.

const LIMIT = 3
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const P = '/max-watches'

async function exercise (t: Test, address: string): Promise<void> {
  const a = await ZkClient.connect(address)
  const b = await ZkClient.connect(address)
  t.teardown(() => { a.destroy(); b.destroy() })
  t.equal((await a.request({ type: OpCode.create, path: P, data: Buffer.from('x'), dataLength: 1, acl: OPEN, flags: 0 })).err, Err.OK)

  t.equal((await a.request({ type: OpCode.exists, path: `${P}/later`, watch: true })).err, Err.NONODE, 'watch 1 (exists on a missing node)')
  t.equal((await a.request({ type: OpCode.getData, path: P, watch: true })).err, Err.OK, 'watch 2 (data)')
  t.equal((await a.request({ type: OpCode.getChildren, path: P, watch: true })).err, Err.OK, 'watch 3 (children)')

  t.equal((await a.request({ type: OpCode.exists, path: '/', watch: true })).err, Err.QUOTAEXCEEDED, 'exists with a 4th watch: QUOTAEXCEEDED')
  t.equal((await a.request({ type: OpCode.getData, path: '/', watch: true })).err, Err.QUOTAEXCEEDED, 'getData with a 4th watch: QUOTAEXCEEDED')
  t.equal((await a.request({ type: OpCode.addWatch, path: '/', mode: 0 })).err, Err.QUOTAEXCEEDED, 'addWatch past the limit: QUOTAEXCEEDED')
  t.equal((await a.request({ type: OpCode.setWatches, relativeZxid: 0, dataWatches: ['/'], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] })).err, Err.QUOTAEXCEEDED, 'setWatches past the limit: QUOTAEXCEEDED')
  t.equal((await a.request({ type: OpCode.getData, path: '/', watch: false })).err, Err.OK, 'the same read without a watch is served')
  t.equal((await b.request({ type: OpCode.getData, path: '/', watch: true })).err, Err.OK, 'another session sets its own watches')

  // nothing was set by the refused requests: a change to "/" notifies b only
  const fired = new Promise<string>((resolve) => a.once('watch', (ev) => resolve(ev.path)))
  t.equal((await b.request({ type: OpCode.create, path: `${P}/later`, data: null, dataLength: 0, acl: OPEN, flags: 0 })).err, Err.OK)
  t.equal(await fired, `${P}/later`, 'a watch of the session at its limit still fires')
  // that one-shot watch is gone (the create also fired the children watch): two slots are free
  t.equal((await a.request({ type: OpCode.exists, path: '/', watch: true })).err, Err.OK, 'a fired watch frees its slot')
}

t.test('embedded server', async (t) => {
  const server = await startRedkeeper({ env: { REDKEEPER_MAX_WATCHES_PER_SESSION: String(LIMIT) } })
  t.teardown(() => server.destroy())
  await exercise(t, server.address)
})

t.test('node1: the same rule in the Redis library', async (t) => {
  const topo = await startTopology('node1', { node: { env: { REDKEEPER_MAX_WATCHES_PER_SESSION: String(LIMIT) } } })
  t.teardown(() => topo.stop())
  await exercise(t, topo.address)
})
