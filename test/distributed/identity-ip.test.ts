// A client's ip identity behind the sidecar is its own address, as ZooKeeper
// gives it, not the sidecar's: the sidecar names its client in CONNECT, and a
// node takes its word when the WebSocket peer is trusted (default: loopback;
// --trust-client-address). The client connects from 127.0.0.2 (another host,
// as far as ip ACLs can tell); the same steps run against a real ZooKeeper
// 3.8, whose transcript is the expectation. A node told to trust no peer
// sees the sidecar's address instead, whatever the sidecar claims.

import t from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import type { ACL } from '../../src/engine/types'
import { fourLetterWord } from '../support/fourlw'
import { startNode, startSidecar, startTopology, type NodeHandle, type SidecarHandle, type Topology } from '../support/topology'
import { startZooKeeper, type ZooKeeperHandle } from '../support/zookeeper'
import { whoAmI } from './identity-clients'

const CLIENT = '127.0.0.2'
const READ = 1
const ALL = 31
const ip = (id: string, perms = READ): ACL => ({ perms, id: { scheme: 'ip', id } })

interface Step { step: string, result: unknown }

/** The ip-ACL steps from CLIENT and from 127.0.0.1; returns the transcript and CLIENT's connection facts. */
async function scenario (address: string, root: string): Promise<{ steps: Step[], sessionId: number, localPort: number | undefined }> {
  const steps: Step[] = []
  const owner = await ZkClient.connect(address)
  const far = await ZkClient.connect(address, { localAddress: CLIENT })
  const near = await ZkClient.connect(address, { localAddress: '127.0.0.1' })
  try {
    const err = async (step: string, p: Promise<{ err: number }>): Promise<void> => { steps.push({ step, result: (await p).err }) }
    const create = (path: string, acl: ACL[]): Promise<{ err: number }> =>
      owner.request({ type: OpCode.create, path: `${root}${path}`, data: Buffer.from('x'), dataLength: 1, acl, flags: 0 })
    const get = (c: ZkClient, path: string): Promise<{ err: number }> => c.request({ type: OpCode.getData, path: `${root}${path}`, watch: false })
    const set = (c: ZkClient, path: string): Promise<{ err: number }> =>
      c.request({ type: OpCode.setData, path: `${root}${path}`, data: Buffer.from('y'), dataLength: 1, version: -1 })

    await err('create root', create('', [{ perms: ALL, id: { scheme: 'world', id: 'anyone' } }]))
    await err('create only2', create('/only2', [ip(CLIENT)]))
    await err('create only1', create('/only1', [ip('127.0.0.1')]))
    await err('create net8', create('/net8', [ip('127.0.0.0/8')]))
    await err('create slash31', create('/slash31', [ip('127.0.0.2/31', READ | 2)]))
    steps.push({ step: 'whoAmI from 127.0.0.2', result: await whoAmI(far) })
    steps.push({ step: 'whoAmI from 127.0.0.1', result: await whoAmI(near) })
    await err('127.0.0.2 reads only2', get(far, '/only2'))
    await err('127.0.0.2 writes only2 (READ only)', set(far, '/only2'))
    await err('127.0.0.2 reads only1', get(far, '/only1'))
    await err('127.0.0.2 reads net8', get(far, '/net8'))
    await err('127.0.0.2 writes slash31', set(far, '/slash31'))
    await err('127.0.0.1 reads only2', get(near, '/only2'))
    await err('127.0.0.1 reads only1', get(near, '/only1'))
    await err('127.0.0.1 writes slash31 (127.0.0.2/31 is .2 and .3)', set(near, '/slash31'))
    await err('127.0.0.2 addauth ip', far.auth('ip', Buffer.from('10.0.0.1')))
    steps.push({ step: 'whoAmI from 127.0.0.2 after addauth ip', result: await whoAmI(far) })
    for (const p of ['/only2', '/only1', '/net8', '/slash31', '']) await owner.request({ type: OpCode.delete, path: `${root}${p}`, version: -1 })
    return { steps, sessionId: far.sessionId, localPort: far.localPort }
  } finally {
    owner.destroy()
    far.destroy()
    near.destroy()
  }
}

let zk: ZooKeeperHandle | undefined
let topo: Topology | undefined
let untrusting: SidecarHandle | undefined
let untrustingNode: NodeHandle | undefined
let expected: Step[] = []

t.before(async () => {
  ;[zk, topo] = await Promise.all([startZooKeeper(), startTopology('node1')])
  const redis = topo.redis
  if (redis === undefined) throw new Error('node1 has no Redis')
  // A second node on the same Redis that trusts no peer, with its own sidecar.
  untrustingNode = await startNode(redis.url, { args: ['--trust-client-address', 'none'] })
  untrusting = await startSidecar([untrustingNode.url])
  expected = (await scenario(zk.address, '/ip-zk')).steps
})
t.teardown(async () => {
  await untrusting?.stop()
  await untrustingNode?.stop()
  await Promise.all([zk?.stop(), topo?.stop()])
})

t.test('ZooKeeper gives the client its own address', async (t) => {
  const who = expected.find((s) => s.step === 'whoAmI from 127.0.0.2')?.result
  t.same(who, [`ip:${CLIENT}`])
  t.equal(expected.find((s) => s.step === '127.0.0.2 reads only2')?.result, Err.OK)
  t.equal(expected.find((s) => s.step === '127.0.0.1 reads only2')?.result, Err.NOAUTH)
})

t.test('node1 (trusting its loopback sidecar): the same answers as ZooKeeper, and cons shows the client', async (t) => {
  if (topo === undefined) throw new Error('no topology')
  const got = await scenario(topo.address, '/ip-node1')
  t.equal(got.steps.length, expected.length, 'same number of steps')
  for (let i = 0; i < expected.length; i++) t.same(got.steps[i], expected[i], expected[i].step)
  // cons lists connections alive now: hold one open from 127.0.0.2
  const c = await ZkClient.connect(topo.address, { localAddress: CLIENT })
  t.teardown(() => c.destroy())
  const cons = await fourLetterWord(topo.host, topo.port, 'cons')
  const line = cons.split('\n').find((l) => l.includes(`sid=0x${c.sessionId.toString(16)},`))
  t.ok(line?.startsWith(` /${CLIENT}:${String(c.localPort)}[`), `cons names the client by its address and port: ${line}`)
})

t.test('a node that trusts no peer ignores the claimed address: the client is the sidecar', async (t) => {
  if (untrusting === undefined) throw new Error('no sidecar')
  const c = await ZkClient.connect(untrusting.address, { localAddress: CLIENT })
  t.teardown(() => c.destroy())
  t.same(await whoAmI(c), ['ip:127.0.0.1'], 'whoAmI shows the sidecar\'s address')
  const owner = await ZkClient.connect(untrusting.address)
  t.teardown(() => owner.destroy())
  t.equal((await owner.request({ type: OpCode.create, path: '/ip-untrusted', data: null, dataLength: -1, acl: [ip(CLIENT)], flags: 0 })).err, Err.OK)
  t.equal((await c.request({ type: OpCode.getData, path: '/ip-untrusted', watch: false })).err, Err.NOAUTH, 'an ip:127.0.0.2 ACL refuses it')
})
