// Containers and TTL nodes end to end: the same scenario against real
// ZooKeeper 3.8.0 (started with -Dznode.container.checkIntervalMs and
// -Dzookeeper.extendedTypesEnabled=true), the embedded server and node1
// (sidecar → node → Redis), each started with a short check interval. Each
// run produces a transcript (what exists, what the watcher saw, how many
// zxids the sweeps used); redkeeper's must equal ZooKeeper's. Nothing waits
// on a clock: every step waits until the sweep has happened (polling exists),
// with a hang guard.
//
// RK_TARGETS=zookeeper,lb3 picks other targets (default: zookeeper,redkeeper,node1).

import t, { type Test as Tap } from 'tap'
import type { ZkClient } from '../../src/client'
import { CreateFlag, Err, EventType, OpCode } from '../../src/engine/codes'
import { targets, targetNames, type TargetName } from '../support/targets'
import { sleep } from '../support/proc'
import { OPEN, Session, barrier, bytes, collect, create, del, exists, getChildren, getData, plain, setData, sorted, within } from '../conformance/helpers'

const INTERVAL_MS = 200
const NAMES: TargetName[] = process.env.RK_TARGETS !== undefined ? targetNames() : ['zookeeper', 'redkeeper', 'node1']

function container (c: ZkClient, path: string) {
  return c.request({ type: OpCode.createContainer, path, data: bytes('c'), dataLength: 1, acl: OPEN, flags: CreateFlag.CONTAINER })
}

function ttlNode (c: ZkClient, path: string, ttl: number, flags = CreateFlag.PERSISTENT_WITH_TTL) {
  return c.request({ type: OpCode.createTTL, path, data: bytes('t'), dataLength: 1, acl: OPEN, flags, ttl })
}

/** Polls until `path` is gone (the sweep runs on the server's own clock). */
async function gone (c: ZkClient, path: string): Promise<void> {
  await within((async () => {
    while ((await exists(c, path)).err !== Err.NONODE) await sleep(50)
  })(), `${path} to be swept`, 30_000)
}

/** The tree under `path`, sorted, each node with its owner as clients see it. */
async function tree (c: ZkClient, path: string, out: string[] = []): Promise<string[]> {
  const r = await c.request({ type: OpCode.getChildren2, path, watch: false })
  if (r.err !== Err.OK) {
    out.push(`${path} err ${r.err}`)
    return out
  }
  out.push(`${path} owner=${r.body?.stat?.ephemeralOwner} children=${r.body?.stat?.numChildren}`)
  for (const name of sorted(r.body?.children)) await tree(c, `${path}/${name}`, out)
  return out
}

async function lastZxid (c: ZkClient): Promise<number> {
  return (await c.request({ type: OpCode.sync, path: '/' })).zxid
}

async function scenario (tt: Tap, address: string): Promise<Record<string, unknown>> {
  const s = new Session(tt, () => address)
  const a = await s.client()
  const w = await s.client()
  const seen = collect(w)
  const out: Record<string, unknown> = {}

  tt.equal((await create(a, '/s')).err, Err.OK)
  // Everything starts with a child, so nothing is a sweep candidate until
  // the watches are set and the zxid is noted: containers emptied later,
  // one never used, one still holding a child, one emptied by its
  // ephemeral's session closing (the lock recipe); TTL nodes plain,
  // sequential, with a child left, and one kept alive by setData.
  out.creates = [
    (await container(a, '/s/used')).err,
    (await container(a, '/s/never')).err,
    (await container(a, '/s/full')).err,
    (await container(a, '/s/lock')).err,
    (await create(a, '/s/used/x')).err,
    (await create(a, '/s/full/k')).err,
    (await ttlNode(a, '/s/short', 300)).err,
    (await create(a, '/s/short/k')).err,
    (await ttlNode(a, '/s/kids', 300)).err,
    (await create(a, '/s/kids/k')).err,
    (await ttlNode(a, '/s/seq-', 300, CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL)).body?.path,
    (await create(a, '/s/seq-0000000006/k')).err,
    (await ttlNode(a, '/s/seq-', 300, CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL)).body?.path,
    (await create(a, '/s/seq-0000000007/k')).err,
    (await ttlNode(a, '/s/touched', 3000)).err,
    (await ttlNode(a, '/s/bad', 0)).err,
    (await ttlNode(a, '/s/bad', 1000, CreateFlag.PERSISTENT)).err,
  ]
  const e = await s.client()
  tt.equal((await create(e, '/s/lock/e', CreateFlag.EPHEMERAL)).err, Err.OK)
  // the watcher: data watch on a container, data watch on a TTL node, child watch on /s
  tt.equal((await exists(w, '/s/used', true)).err, Err.OK)
  tt.equal((await getData(w, '/s/short', true)).err, Err.OK)
  tt.equal((await getChildren(w, '/s', true)).err, Err.OK)
  out.stats = {
    container: (await exists(a, '/s/used')).body?.stat?.ephemeralOwner,
    ttl: (await exists(a, '/s/short')).body?.stat?.ephemeralOwner
  }
  const before = await lastZxid(a)
  tt.equal((await setData(a, '/s/touched', bytes('start'))).err, Err.OK)
  tt.equal((await del(a, '/s/used/x')).err, Err.OK)
  tt.equal((await del(a, '/s/short/k')).err, Err.OK)
  tt.equal((await del(a, '/s/seq-0000000006/k')).err, Err.OK)
  await e.close()

  await gone(a, '/s/used')
  await gone(a, '/s/short')
  await gone(a, '/s/seq-0000000006')
  await gone(a, '/s/lock')
  // keep /s/touched alive past its ttl: each setData moves its mtime
  const touches: number[] = []
  for (let i = 0; i < 16; i++) {
    touches.push((await setData(a, '/s/touched', bytes(String(i)))).err)
    await sleep(INTERVAL_MS)
  }
  out.touches = touches
  await barrier(w)
  // sorted: ZooKeeper sweeps its candidates in hash-set order
  out.events = plain(seen).map((x) => `${x.type} ${x.path}`).sort()
  out.afterFirstSweeps = await tree(a, '/s')
  const mid = await lastZxid(a)
  // sweeps are txns: 17 setData, 3 deletes, the session close, 4 sweep deletions
  out.zxidsUsed = mid - before

  await gone(a, '/s/touched')
  // deleting the last child makes the TTL parents candidates again
  tt.equal((await del(a, '/s/kids/k')).err, Err.OK)
  tt.equal((await del(a, '/s/seq-0000000007/k')).err, Err.OK)
  tt.equal((await del(a, '/s/full/k')).err, Err.OK)
  await gone(a, '/s/kids')
  await gone(a, '/s/seq-0000000007')
  await gone(a, '/s/full')
  out.final = await tree(a, '/s')
  // 3 deletes by the client, /s/touched and the three swept after them
  out.zxidsUsedLater = (await lastZxid(a)) - mid
  return out
}



const transcripts = new Map<string, Record<string, unknown>>()

const all = targets({
  names: NAMES,
  zookeeper: { jvmFlags: [`-Dznode.container.checkIntervalMs=${INTERVAL_MS}`, '-Dzookeeper.extendedTypesEnabled=true'] },
  redkeeper: { args: ['--extended-types', '--container-check-interval-ms', String(INTERVAL_MS)] },
  topology: { node: { args: ['--extended-types', '--container-check-interval-ms', String(INTERVAL_MS)] } }
})

for (const target of all) {
  t.test(target.name, async (tt) => {
    const server = await target.start()
    tt.teardown(() => server.stop())
    const out = await scenario(tt, server.address)
    transcripts.set(target.name, out)
    if (target.name !== 'zookeeper') {
      // our sweep checks and deletes in one step: never a failed deletion
      tt.equal(out.zxidsUsed, 25)
      tt.equal(out.zxidsUsedLater, 7)
      return
    }
    // the scenario's own expectations, proved on ZooKeeper first
    tt.same(out.creates, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '/s/seq-0000000006', 0, '/s/seq-0000000007', 0, 0, Err.BADARGUMENTS, Err.BADARGUMENTS])
    // ZooKeeper's ContainerManager posts its deleteContainer requests without
    // waiting for them; on a loaded machine the next check can post one for a
    // container whose deletion is still queued, and that second request fails
    // as an ErrorTxn that still takes a zxid. So one more zxid may show.
    tt.ok([25, 26].includes(out.zxidsUsed as number), `ZooKeeper: 25 zxids, or 26 with a repeated sweep deletion (got ${String(out.zxidsUsed)})`)
    tt.ok([7, 8].includes(out.zxidsUsedLater as number), `ZooKeeper: 7 zxids later, or 8 with a repeated sweep deletion (got ${String(out.zxidsUsedLater)})`)
    tt.same(out.stats, { container: 0, ttl: 0 })
    tt.same(out.events, [
      `${EventType.NodeDeleted} /s/short`,
      `${EventType.NodeDeleted} /s/used`,
      `${EventType.NodeChildrenChanged} /s`
    ].sort())
    tt.same(out.afterFirstSweeps, [
      '/s owner=0 children=5',
      '/s/full owner=0 children=1', '/s/full/k owner=0 children=0',
      '/s/kids owner=0 children=1', '/s/kids/k owner=0 children=0',
      '/s/never owner=0 children=0',
      '/s/seq-0000000007 owner=0 children=1', '/s/seq-0000000007/k owner=0 children=0',
      '/s/touched owner=0 children=0'
    ])
    tt.same(out.final, ['/s owner=0 children=1', '/s/never owner=0 children=0'])
  })
}

t.test('redkeeper matches ZooKeeper', async (tt) => {
  const zk = transcripts.get('zookeeper')
  if (zk === undefined) {
    tt.fail('no ZooKeeper transcript to compare with (its run failed or RK_TARGETS left it out)')
    return
  }
  // zxid counts are checked per target above (ZooKeeper's may carry one failed sweep deletion)
  const comparable = (o: Record<string, unknown>): Record<string, unknown> => ({ ...o, zxidsUsed: undefined, zxidsUsedLater: undefined })
  for (const [name, out] of transcripts) {
    if (name !== 'zookeeper') tt.same(comparable(out), comparable(zk), name)
  }
  tt.ok(transcripts.size >= 2, 'at least one redkeeper target ran')
})
