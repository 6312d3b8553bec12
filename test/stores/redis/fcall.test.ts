// The FCALL path of engine.ts (fcall.ts): frames built by hand must carry
// every argument byte for byte (UTF-8 text, binary buffers, empty ones), and
// the call timeout, kept by one watchdog instead of ioredis's timer per
// command, must still fail a call Redis does not answer, and only that one.

import t from 'tap'
import { OpCode } from '../../../src/engine/codes'
import { world, type World, session, call, create, getData, OPEN } from './dist-helpers'

let w: World
t.before(async () => { w = await world() })
t.teardown(async () => { await w?.stop() })

t.test('arguments arrive byte for byte', async (t) => {
  const e = await w.engine(t)
  const s = await session(e)
  const path = '/ünï-€-ж'
  const data = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x24, 0x2a])
  const r = await call(e, s, { type: OpCode.create, path, data, dataLength: data.length, acl: OPEN, flags: 0 })
  t.equal(r.outcome.err, 0, 'created')
  const g = await call(e, s, getData(path))
  t.same(Buffer.from(g.outcome.body?.data as Buffer), data, 'binary data with CR LF $ * comes back as sent')
  t.ok(await e.getNode(path), 'the multi-byte path names the node')
  // a binary link id and a multi-byte identity, through rk_ident_save/restore
  const link = Buffer.from([0xde, 0xad, 0x0d, 0x0a, 0x00, 0xbe, 0xef])
  t.ok(await e.saveIdentities(s.id, 'conn-1', link, [{ scheme: 'digest', id: 'jörg:€' }]), 'saved')
  t.same(await e.restoreIdentities(s.id, 'conn-1', link), [{ scheme: 'digest', id: 'jörg:€' }], 'restored for the same link bytes')
  t.equal(await e.restoreIdentities(s.id, 'conn-1', Buffer.from([0xde, 0xad])), undefined, 'another link has none')
  const empty = await call(e, s, create('/empty', 0, Buffer.alloc(0)))
  t.equal(empty.outcome.err, 0, 'an empty data buffer is an argument too')
})

t.test('an unanswered call times out; the others go on', async (t) => {
  const e = await w.engine(t)
  const s = await session(e)
  t.equal((await call(e, s, create('/a'))).outcome.err, 0)
  e.setCommandTimeout(300)
  // Redis holds every client's commands for 5 s (from the next one on):
  // an answered call would resolve, so a rejection is the watchdog's
  await w.raw.call('CLIENT', 'PAUSE', '5000', 'ALL')
  await t.rejects(call(e, s, getData('/a')), /timed out/, 'the held call fails')
  e.setCommandTimeout(30_000)
  const later = await call(e, s, getData('/a'))
  t.equal(later.outcome.err, 0, 'the next call is answered once the pause ends')
})
