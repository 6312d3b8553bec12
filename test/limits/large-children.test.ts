import t, { type Test } from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import type { SubRequest } from '../../src/engine/types'
import { startZooKeeper } from '../support/zookeeper'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { zkCliBatchWith } from '../support/zkcli'

// A getChildren reply larger than jute.maxbuffer. ZooKeeper 3.8 bounds what
// it reads (a request frame past jute.maxbuffer closes the connection) but
// not what it writes: the reply is built and sent whole, and the client's own
// jute.maxbuffer decides (the Java client: "Packet len N is out of range!",
// then CONNECTIONLOSS and a reconnect; the session survives). redkeeper does
// the same on every topology, so that a client configured with a larger
// jute.maxbuffer, as HBase does, keeps working; the server keeps serving
// everyone. Each target here runs with jute.maxbuffer = 64 KiB and a parent
// whose children list is about twice that.

const MAX_BUFFER = 65536
const CHILDREN = 3600
const NAME = (i: number): string => `child-${String(i).padStart(6, '0')}-abcdefghijklmnopqrstuv`
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const P = '/many'

async function fill (zk: ZkClient): Promise<void> {
  t.equal((await zk.request({ type: OpCode.create, path: P, data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 })).err, Err.OK)
  // in multis that each stay well under the 64 KiB request limit
  for (let from = 0; from < CHILDREN; from += 400) {
    const ops: SubRequest[] = []
    for (let i = from; i < Math.min(CHILDREN, from + 400); i++) ops.push({ type: OpCode.create, path: `${P}/${NAME(i)}`, data: Buffer.alloc(0), dataLength: 0, acl: OPEN, flags: 0 } as SubRequest)
    const r = await zk.request({ type: OpCode.multi, ops })
    if (r.err !== Err.OK) throw new Error(`multi create failed: ${r.err}`)
  }
}

async function exercise (t: Test, address: string): Promise<void> {
  const zk = await ZkClient.connect(address)
  t.teardown(() => zk.destroy())
  await fill(zk)
  const reply = await zk.request({ type: OpCode.getChildren, path: P, watch: false })
  t.equal(reply.err, Err.OK)
  t.equal(reply.body?.children?.length, CHILDREN, 'a client with a large jute.maxbuffer gets every child')
  t.ok(reply.size > MAX_BUFFER, `the reply (${reply.size} bytes) is larger than the server's jute.maxbuffer (${MAX_BUFFER})`)

  // the Java client with the same jute.maxbuffer refuses the frame, as it does with ZooKeeper
  const out = await zkCliBatchWith(`-Djute.maxbuffer=${MAX_BUFFER}`, address, 'ls', P)
  // ("Packet len N is out of range!" goes to its log, which Debian's zkCli discards)
  t.match(out, /state:Disconnected/, 'zkCli (jute.maxbuffer=64k) drops the connection')
  t.match(out, /KeeperErrorCode = ConnectionLoss for \/many/, 'and reports CONNECTIONLOSS')
  t.notMatch(out, new RegExp(NAME(0)), 'zkCli lists nothing')
  const big = await zkCliBatchWith(`-Djute.maxbuffer=${4 * MAX_BUFFER}`, address, 'ls', P)
  t.match(big, new RegExp(NAME(CHILDREN - 1)), 'zkCli with jute.maxbuffer=256k lists the children')

  // everyone else is still served, the first session included
  t.equal((await zk.request({ type: OpCode.exists, path: P, watch: false })).err, Err.OK, 'the server still serves')
  const other = await ZkClient.connect(address)
  t.teardown(() => other.destroy())
  t.equal((await other.request({ type: OpCode.getData, path: `${P}/${NAME(7)}`, watch: false })).err, Err.OK, 'another client is served')
}

t.test('zookeeper 3.8 (the oracle)', async (t) => {
  const zk = await startZooKeeper({ jvmFlags: [`-Djute.maxbuffer=${MAX_BUFFER}`] })
  t.teardown(() => zk.stop())
  await exercise(t, zk.address)
})

t.test('embedded', async (t) => {
  const rk = await startRedkeeper({ args: ['--max-buffer', String(MAX_BUFFER)] })
  t.teardown(() => rk.destroy())
  await exercise(t, rk.address)
})

t.test('node1', async (t) => {
  const topo = await startTopology('node1', { node: { args: ['--max-buffer', String(MAX_BUFFER)] }, sidecar: { args: ['--max-buffer', String(MAX_BUFFER)] } })
  t.teardown(() => topo.stop())
  await exercise(t, topo.address)
})
