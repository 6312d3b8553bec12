import t from 'tap'
import { EventType, KeeperState, OpCode } from '../../src/engine/codes'
import type { OpResult, Stat } from '../../src/engine/types'
import {
  JuteDecodeError, JuteEncodeError, JuteReader, JuteWriter, STAT_SIZE, decodeReplyBody,
  decodeReplyHeader, decodeWatchEvent, encodePing, encodeReply, encodeWatchEvent, type WireReplyBody
} from '../../src/protocol'

import { body, hex, OPEN } from './helpers'

const stat: Stat = {
  czxid: 2, mzxid: 3, ctime: 0x10, mtime: 0x11, version: 1, cversion: 2, aversion: 3, ephemeralOwner: 0, dataLength: 5, numChildren: 0, pzxid: 2
}
const STAT_HEX = `
  0000000000000002 0000000000000003 0000000000000010 0000000000000011
  00000001 00000002 00000003 0000000000000000 00000005 00000000 0000000000000002`

t.test('exists reply: ReplyHeader + Stat, byte for byte', async (t) => {
  const frame = encodeReply(undefined, 5, 9, 0, OpCode.exists, { stat })
  t.same(frame, hex(`00000054 00000005 0000000000000009 00000000 ${STAT_HEX}`))
  t.equal(STAT_SIZE, 68)
  const r = new JuteReader(body(frame))
  t.same(decodeReplyHeader(r), { xid: 5, zxid: 9, err: 0 })
  t.same(decodeReplyBody(OpCode.exists, r), { stat })
})

t.test('an error reply is the header alone, whatever body is passed', async (t) => {
  t.same(encodeReply(undefined, 5, 9, -101, OpCode.exists, { stat }), hex('00000010 00000005 0000000000000009 ffffff9b'))
  t.same(encodeReply(undefined, 6, 9, -110, OpCode.create), hex('00000010 00000006 0000000000000009 ffffff92'))
})

t.test('watch events: ReplyHeader{-1, -1, 0} + WatcherEvent', async (t) => {
  const frame = encodeWatchEvent(undefined, EventType.NodeDataChanged, KeeperState.SyncConnected, '/a')
  t.same(frame, hex('0000001e ffffffff ffffffffffffffff 00000000 00000003 00000003 00000002 2f61'))
  const r = new JuteReader(body(frame))
  t.same(decodeReplyHeader(r), { xid: -1, zxid: -1, err: 0 })
  t.same(decodeWatchEvent(r), { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/a' })
})

t.test('ping reply: ReplyHeader{-2, zxid, 0}', async (t) => {
  t.same(encodePing(undefined, 10), hex('00000010 fffffffe 000000000000000a 00000000'))
})

t.test('multi reply, byte for byte (MultiResponse.serialize)', async (t) => {
  const results: OpResult[] = [{ type: OpCode.create, path: '/a' }, { type: OpCode.error, err: -110 }]
  const frame = encodeReply(undefined, 3, 7, 0, OpCode.multi, { results })
  t.same(frame, hex(`
    00000035
    00000003 0000000000000007 00000000
    00000001 00 00000000 00000002 2f61
    ffffffff 00 ffffff92 ffffff92
    ffffffff 01 ffffffff`))
  const r = new JuteReader(body(frame))
  decodeReplyHeader(r)
  t.same(decodeReplyBody(OpCode.multi, r), { results })
  t.equal(encodeReply(undefined, 4, 8, 0, OpCode.multi, { results: [] }).length, 4 + 25, 'an empty multi is 25 bytes, as ZooKeeper sends it')
})

t.test('multi results with a Stat are typed create2 on the wire; deleteContainer as delete', async (t) => {
  const results: OpResult[] = [
    { type: OpCode.createContainer, path: '/c', stat },
    { type: OpCode.createTTL, path: '/t', stat },
    { type: OpCode.deleteContainer }
  ]
  const r = new JuteReader(body(encodeReply(undefined, 1, 1, 0, OpCode.multi, { results })))
  decodeReplyHeader(r)
  t.same(decodeReplyBody(OpCode.multi, r), {
    results: [{ type: OpCode.create2, path: '/c', stat }, { type: OpCode.create2, path: '/t', stat }, { type: OpCode.delete }]
  })
})

const replies: Array<[string, number, WireReplyBody]> = [
  ['create', OpCode.create, { path: '/a0000000001' }],
  ['create2', OpCode.create2, { path: '/a', stat }],
  ['createContainer', OpCode.createContainer, { path: '/c', stat }],
  ['createTTL', OpCode.createTTL, { path: '/t', stat }],
  ['exists', OpCode.exists, { stat }],
  ['setData', OpCode.setData, { stat }],
  ['setACL', OpCode.setACL, { stat }],
  ['getData', OpCode.getData, { data: Buffer.from('hello'), stat }],
  ['getData null', OpCode.getData, { data: null, stat }],
  ['getData empty', OpCode.getData, { data: Buffer.alloc(0), stat }],
  ['getACL', OpCode.getACL, { acl: [...OPEN, { perms: 1, id: { scheme: 'ip', id: '127.0.0.1' } }], stat }],
  ['getChildren', OpCode.getChildren, { children: ['a', 'é', ''] }],
  ['getChildren none', OpCode.getChildren, { children: [] }],
  ['getChildren2', OpCode.getChildren2, { children: ['x'], stat }],
  ['sync', OpCode.sync, { path: '/s' }],
  ['multi', OpCode.multi, {
    results: [
      { type: OpCode.create, path: '/m' },
      { type: OpCode.create2, path: '/m2', stat },
      { type: OpCode.delete },
      { type: OpCode.setData, stat },
      { type: OpCode.check },
      { type: OpCode.error, err: 0 },
      { type: OpCode.error, err: -2 }
    ]
  }],
  ['multiRead', OpCode.multiRead, {
    results: [
      { type: OpCode.getData, data: Buffer.from('d'), stat },
      { type: OpCode.getData, data: null, stat },
      { type: OpCode.getChildren, children: ['k'] },
      { type: OpCode.error, err: -101 }
    ]
  }],
  ['getEphemerals', OpCode.getEphemerals, { paths: ['/e1', '/x/e2'] }],
  ['getAllChildrenNumber', OpCode.getAllChildrenNumber, { count: 12 }],
  ['whoAmI', OpCode.whoAmI, { clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'bob' }] }],
  ['sasl', OpCode.sasl, { token: Buffer.from([9, 8]) }],
  ['reconfig', OpCode.reconfig, { data: Buffer.from('server.1=h:1:2'), stat }]
]

t.test('every response record round-trips', async (t) => {
  const w = new JuteWriter(32)
  let xid = 1
  for (const [what, type, b] of replies) {
    const r = new JuteReader(body(encodeReply(w, xid, 100 + xid, 0, type, b)))
    t.same(decodeReplyHeader(r), { xid, zxid: 100 + xid, err: 0 }, `${what} header`)
    t.same(decodeReplyBody(type, r), b, what)
    t.equal(r.remaining, 0, `${what}: nothing left over`)
    xid++
  }
})

t.test('opcodes whose reply is the bare header', async (t) => {
  for (const type of [OpCode.delete, OpCode.deleteContainer, OpCode.check, OpCode.setWatches, OpCode.setWatches2,
    OpCode.closeSession, OpCode.auth, OpCode.checkWatches, OpCode.removeWatches, OpCode.ping]) {
    const f = encodeReply(undefined, 1, 2, 0, type, { path: '/ignored' })
    t.equal(f.length, 4 + 16, `opcode ${type}`)
    const r = new JuteReader(body(f))
    decodeReplyHeader(r)
    t.equal(decodeReplyBody(type, r), undefined)
  }
  const aw = encodeReply(undefined, 1, 2, 0, OpCode.addWatch)
  t.same(aw.subarray(20), hex('00000000'), 'addWatch answers ErrorResponse{0}')
})

t.test('a successful reply missing its record is a programming error', async (t) => {
  const cases: Array<[number, WireReplyBody | undefined]> = [
    [OpCode.create, undefined], [OpCode.create2, { path: '/a' }], [OpCode.exists, {}], [OpCode.getData, { stat }],
    [OpCode.getACL, { stat }], [OpCode.getChildren, {}], [OpCode.getChildren2, { children: [] }], [OpCode.multi, {}],
    [OpCode.getEphemerals, {}], [OpCode.getAllChildrenNumber, {}], [OpCode.whoAmI, {}], [OpCode.sync, {}]
  ]
  for (const [type, b] of cases) {
    t.throws(() => encodeReply(undefined, 1, 1, 0, type, b), JuteEncodeError, `opcode ${type}`)
  }
  // The shared writer is still usable after a failed encode.
  t.same(encodePing(undefined, 1), hex('00000010 fffffffe 0000000000000001 00000000'))
})

t.test('every truncation of every response record throws JuteDecodeError', async (t) => {
  for (const [what, type, b] of replies) {
    const full = body(encodeReply(undefined, 1, 1, 0, type, b)).subarray(16)
    for (let n = 0; n < full.length; n++) {
      try {
        decodeReplyBody(type, new JuteReader(Buffer.from(full.subarray(0, n))))
        t.fail(`${what} cut to ${n}/${full.length} bytes decoded`)
      } catch (e) {
        if (!(e instanceof JuteDecodeError)) throw e
      }
    }
  }
  t.throws(() => decodeReplyBody(OpCode.multi, new JuteReader(hex('00000063 00 00000000 ffffffff 01 ffffffff'))), JuteDecodeError, 'unknown result type')
  t.throws(() => decodeWatchEvent(new JuteReader(hex('00000003 00000003'))), JuteDecodeError, 'event without a path')
})
