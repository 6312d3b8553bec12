// The real engine over the embedded store and over the engine's reference
// test double (test/engine/memory-storage.ts), fed the same random requests:
// every Outcome (errors, zxids, bodies, watch events) must be identical, and
// after a reopen the store must hold exactly what it held before.

import t from 'tap'
import { CreateFlag, OpCode, closeSession, createSession, execute, initTree, type Context, type Request, type Storage, type SubRequest } from '../../../src/engine'
import type { EmbeddedStore } from '../../../src/stores/embedded'
import { MemoryStorage } from '../../engine/memory-storage'
import { OPEN_ACL, dump, openStore, tempDir } from './fixtures/helpers'

/** mulberry32: a seeded PRNG, so a failure can be replayed from the printed seed */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const NAMES = ['a', 'b', 'c', 'd']
const SESSIONS = [11, 12, 13]

function randomRequest(r: () => number): Request {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T
  const depth = 1 + Math.floor(r() * 3)
  let path = ''
  for (let i = 0; i < depth; i++) path += `/${pick(NAMES)}`
  const data = r() < 0.2 ? null : Buffer.from('d'.repeat(Math.floor(r() * 20)))
  const version = r() < 0.7 ? -1 : Math.floor(r() * 3)
  const roll = r()
  const create = (): SubRequest => ({
    type: OpCode.create,
    path,
    data,
    dataLength: data === null ? 0 : data.length,
    acl: OPEN_ACL,
    flags: pick([CreateFlag.PERSISTENT, CreateFlag.EPHEMERAL, CreateFlag.PERSISTENT_SEQUENTIAL, CreateFlag.EPHEMERAL_SEQUENTIAL]),
  })
  if (roll < 0.35) return create() as Request
  if (roll < 0.5) return { type: OpCode.delete, path, version }
  if (roll < 0.62) return { type: OpCode.setData, path, data, dataLength: data === null ? 0 : data.length, version }
  if (roll < 0.72) return { type: OpCode.getData, path, watch: r() < 0.7 }
  if (roll < 0.8) return { type: OpCode.exists, path, watch: r() < 0.7 }
  if (roll < 0.88) return { type: OpCode.getChildren2, path, watch: r() < 0.7 }
  return {
    type: OpCode.multi,
    ops: [create(), { type: OpCode.setData, path, data, dataLength: data === null ? 0 : data.length, version: -1 }, { type: OpCode.check, path, version }],
  }
}

t.test('same outcomes as the reference storage, and the same state after reopen', async (t) => {
  const seed = Number(process.env.STORE_DIFF_SEED ?? Date.now() % 1_000_000)
  t.comment(`seed ${seed} (STORE_DIFF_SEED=${seed} to replay)`)
  const r = rng(seed)
  const dir = tempDir(t)
  let store: EmbeddedStore = await openStore(t, { dataDir: dir, segmentBytes: 8 * 1024, snapshotEveryRecords: 300 })
  const ref = new MemoryStorage()
  const now = 1_700_000_000_000

  const both = <T>(fn: (s: Storage) => T): [T, T] => [store.transact(() => fn(store)).result, fn(ref)]
  both((s) => initTree(s, Buffer.alloc(0)))
  for (const id of SESSIONS) both((s) => createSession(s, now, id, 30_000, `p${id}`))

  let mismatches = 0
  let ok = 0
  let events = 0
  for (let i = 0; i < 3000; i++) {
    const session = SESSIONS[Math.floor(r() * SESSIONS.length)] as number
    const ctx: Context = { session, now: now + i, auth: [] }
    let outs: [unknown, unknown]
    if (r() < 0.01) {
      // a session ends (its ephemerals go, watchers hear) and a new one takes its place
      outs = both((s) => closeSession(s, ctx))
      const fresh = both((s) => createSession(s, now + i, session, 30_000, `p${session}`))
      t.same(fresh[0], fresh[1])
    } else {
      const req = randomRequest(r)
      outs = both((s) => execute(s, ctx, req))
    }
    const out = outs[0] as { err: number; events: unknown[] }
    if (out.err === 0) ok++
    events += out.events.length
    if (JSON.stringify(outs[0]) !== JSON.stringify(outs[1])) {
      if (mismatches++ < 3) t.same(outs[0], outs[1], `request ${i}: same outcome`)
    }
    if (i % 500 === 499) {
      // reopen mid-run: the store must come back exactly as it was
      const before = dump(store)
      await store.close()
      store = await openStore(t, { dataDir: dir, segmentBytes: 8 * 1024, snapshotEveryRecords: 300 })
      t.same(dump(store), before, `reopen after request ${i}`)
      // watches are not durable: drop them on the reference side too, as a
      // restarted server's clients would have to re-register them
      for (const id of SESSIONS) ref.dropWatches(id)
    }
  }
  t.equal(mismatches, 0, `3000 random requests (${ok} succeeded, ${events} watch events, ${store.stats().nodeCount} znodes at the end): identical outcomes`)
  t.same(
    [store.getZxid(), store.sessionIds().sort(), store.getChildren('/').sort()],
    [ref.getZxid(), [...ref.sessions.keys()].sort(), ref.getChildren('/').sort()],
    'same zxid, sessions and top-level tree',
  )
})
