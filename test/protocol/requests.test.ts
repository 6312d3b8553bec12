import t from 'tap'
import { OpCode } from '../../src/engine/codes'
import {
  JuteDecodeError, JuteReader, JuteWriter, UnknownOpcodeError, decodeRequest, decodeRequestHeader,
  encodeRawRequest, encodeRequest, type WireRequest
} from '../../src/protocol'

import { body, hex, OPEN } from './helpers'

function decodeFrame (frame: Buffer): { xid: number, req: WireRequest } {
  const r = new JuteReader(body(frame))
  const h = decodeRequestHeader(r)
  return { xid: h.xid, req: decodeRequest(h.type, r) }
}

const data = Buffer.from('payload')
const requests: WireRequest[] = [
  { type: OpCode.create, path: '/a', data, dataLength: data.length, acl: OPEN, flags: 0 },
  { type: OpCode.create, path: '/a/n', data: null, dataLength: 0, acl: OPEN, flags: 3 },
  { type: OpCode.create2, path: '/b', data: Buffer.alloc(0), dataLength: 0, acl: [{ perms: 1, id: { scheme: 'digest', id: 'u:h=' } }, ...OPEN], flags: 1 },
  { type: OpCode.createContainer, path: '/c', data, dataLength: data.length, acl: OPEN, flags: 4 },
  { type: OpCode.createTTL, path: '/t', data, dataLength: data.length, acl: OPEN, flags: 5, ttl: 86_400_000 },
  { type: OpCode.delete, path: '/a', version: -1 },
  { type: OpCode.deleteContainer, path: '/c', version: -1 },
  { type: OpCode.exists, path: '/a', watch: true },
  { type: OpCode.getData, path: '/a', watch: false },
  { type: OpCode.getChildren, path: '/', watch: true },
  { type: OpCode.getChildren2, path: '/é', watch: false },
  { type: OpCode.setData, path: '/a', data, dataLength: data.length, version: 4 },
  { type: OpCode.setData, path: '/a', data: null, dataLength: 0, version: -1 },
  { type: OpCode.getACL, path: '/a' },
  { type: OpCode.sync, path: '/' },
  { type: OpCode.getAllChildrenNumber, path: '/a' },
  { type: OpCode.getEphemerals, prefixPath: '/a' },
  { type: OpCode.setACL, path: '/a', acl: OPEN, version: 2 },
  { type: OpCode.check, path: '/a', version: 7 },
  {
    type: OpCode.multi,
    ops: [
      { type: OpCode.create, path: '/m', data, dataLength: data.length, acl: OPEN, flags: 2 },
      { type: OpCode.create2, path: '/m2', data: null, dataLength: 0, acl: OPEN, flags: 0 },
      { type: OpCode.createContainer, path: '/m3', data: null, dataLength: 0, acl: OPEN, flags: 4 },
      { type: OpCode.createTTL, path: '/m4', data: null, dataLength: 0, acl: OPEN, flags: 6, ttl: 5 },
      { type: OpCode.delete, path: '/m', version: 0 },
      { type: OpCode.setData, path: '/m2', data, dataLength: data.length, version: -1 },
      { type: OpCode.check, path: '/m2', version: 1 }
    ]
  },
  { type: OpCode.multi, ops: [] },
  {
    type: OpCode.multiRead,
    ops: [{ type: OpCode.getData, path: '/a', watch: false }, { type: OpCode.getChildren, path: '/', watch: false }]
  },
  {
    type: OpCode.setWatches,
    relativeZxid: 0x1234,
    dataWatches: ['/a', '/b'],
    existWatches: [],
    childWatches: ['/'],
    persistentWatches: [],
    persistentRecursiveWatches: []
  },
  {
    type: OpCode.setWatches2,
    relativeZxid: 9,
    dataWatches: [],
    existWatches: ['/x'],
    childWatches: [],
    persistentWatches: ['/p'],
    persistentRecursiveWatches: ['/r', '/s']
  },
  { type: OpCode.closeSession },
  { type: OpCode.ping },
  { type: OpCode.auth, authType: 0, scheme: 'digest', auth: Buffer.from('user:pw') },
  { type: OpCode.sasl, token: Buffer.from([1, 2, 3]) },
  { type: OpCode.addWatch, path: '/w', mode: 1 },
  { type: OpCode.checkWatches, path: '/w', watcherType: 3 },
  { type: OpCode.removeWatches, path: '/w', watcherType: 2 },
  { type: OpCode.whoAmI },
  { type: OpCode.reconfig, joiningServers: 'server.4=h:1:2', leavingServers: null, newMembers: null, curConfigId: -1 }
]

t.test('every request round-trips through encodeRequest / decodeRequest', async (t) => {
  const w = new JuteWriter(64)
  let xid = 1
  for (const req of requests) {
    const got = decodeFrame(encodeRequest(w, xid, req))
    t.equal(got.xid, xid, `xid of ${req.type}`)
    t.same(got.req, req, `opcode ${req.type}`)
    xid++
  }
})

t.test('a create request, byte for byte', async (t) => {
  const frame = hex(`
    00000032
    00000001 00000001
    00000002 2f61
    00000001 78
    00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65
    00000001`)
  const want: WireRequest = { type: OpCode.create, path: '/a', data: Buffer.from('x'), dataLength: 1, acl: OPEN, flags: 1 }
  t.same(decodeFrame(frame), { xid: 1, req: want })
  t.same(encodeRequest(undefined, 1, want), frame)
})

t.test('a multi request, byte for byte (MultiHeader{type, done, -1} ... {-1, true, -1})', async (t) => {
  const frame = hex(`
    00000024
    00000002 0000000e
    0000000d 00 ffffffff 00000002 2f61 00000003
    ffffffff 01 ffffffff`)
  const want: WireRequest = { type: OpCode.multi, ops: [{ type: OpCode.check, path: '/a', version: 3 }] }
  t.same(decodeFrame(frame), { xid: 2, req: want })
  t.same(encodeRequest(undefined, 2, want), frame)
})

t.test('stored data is copied out of the frame', async (t) => {
  const frame = body(encodeRequest(undefined, 1, { type: OpCode.create, path: '/a', data, dataLength: data.length, acl: OPEN, flags: 0 }))
  const r = new JuteReader(frame)
  const req = decodeRequest(decodeRequestHeader(r).type, r)
  frame.fill(0)
  if (req.type !== OpCode.create) throw new Error('not a create')
  t.same(req.data, data, 'unaffected by the frame being reused')
  t.not(req.data?.buffer, frame.buffer)
  const sd = body(encodeRequest(undefined, 1, { type: OpCode.setData, path: '/a', data, dataLength: data.length, version: 1 }))
  const r2 = new JuteReader(sd)
  const req2 = decodeRequest(decodeRequestHeader(r2).type, r2)
  sd.fill(0)
  if (req2.type !== OpCode.setData) throw new Error('not a setData')
  t.same(req2.data, data)
})

t.test('dataLength is the byte length of the data, 0 for null', async (t) => {
  const multibyte = Buffer.from('€€')
  const { req } = decodeFrame(encodeRequest(undefined, 1, { type: OpCode.setData, path: '/a', data: multibyte, dataLength: 999, version: 1 }))
  t.match(req, { dataLength: 6 }, 'computed from the wire, not trusted from the sender')
  t.match(decodeFrame(encodeRequest(undefined, 1, { type: OpCode.create, path: '/a', data: null, dataLength: 5, acl: OPEN, flags: 0 })).req, { data: null, dataLength: 0 })
})

t.test('multiRead drops the watch flag, as ZooKeeper\'s Op.getData does', async (t) => {
  const { req } = decodeFrame(encodeRequest(undefined, 1, { type: OpCode.multiRead, ops: [{ type: OpCode.getData, path: '/a', watch: true }] }))
  t.same(req, { type: OpCode.multiRead, ops: [{ type: OpCode.getData, path: '/a', watch: false }] })
})

t.test('a multi mixing reads and writes, or holding an op with no record, is malformed', async (t) => {
  const mh = (type: number): string => type.toString(16).padStart(8, '0') + '00ffffffff'
  const end = 'ffffffff01ffffffff'
  const path = '000000022f61'
  const cases: Array<[string, number, string]> = [
    ['a read inside multi', OpCode.multi, mh(OpCode.getData) + path + '00' + end],
    ['a write inside multiRead', OpCode.multiRead, mh(OpCode.delete) + path + 'ffffffff' + end],
    ['exists inside multi', OpCode.multi, mh(OpCode.exists) + path + '00' + end],
    ['sync inside multiRead', OpCode.multiRead, mh(OpCode.sync) + path + end],
    ['no end marker', OpCode.multi, mh(OpCode.delete) + path + 'ffffffff'],
    ['nothing at all', OpCode.multi, '']
  ]
  for (const [what, type, bodyHex] of cases) {
    t.throws(() => decodeRequest(type, new JuteReader(hex(bodyHex))), JuteDecodeError, what)
  }
})

t.test('unknown opcodes throw UnknownOpcodeError', async (t) => {
  for (const op of [0, 10, 55, 108, -10, -1, 0x7fffffff]) {
    const err = t.throws(() => decodeRequest(op, new JuteReader(Buffer.alloc(0))), UnknownOpcodeError, `opcode ${op}`) as UnknownOpcodeError
    t.equal(err.opcode, op)
  }
})

t.test('every truncation of every request body throws JuteDecodeError', async (t) => {
  for (const req of requests) {
    if (req.type === OpCode.deleteContainer) continue // its body is "the rest of the frame"
    const full = body(encodeRequest(undefined, 1, req)).subarray(8)
    for (let n = 0; n < full.length; n++) {
      const cut = Buffer.from(full.subarray(0, n))
      try {
        decodeRequest(req.type, new JuteReader(cut))
        t.fail(`opcode ${req.type} cut to ${n}/${full.length} bytes decoded`)
      } catch (e) {
        if (!(e instanceof JuteDecodeError)) throw e
      }
    }
  }
  t.pass('all truncations rejected')
})

t.test('null where a string is required is malformed; trailing bytes are ignored', async (t) => {
  t.throws(() => decodeRequest(OpCode.getData, new JuteReader(hex('ffffffff 00'))), JuteDecodeError, 'null path')
  t.throws(() => decodeRequest(OpCode.create, new JuteReader(hex('00000002 2f61 ffffffff 00000001 0000001f ffffffff 00000000 00000000'))), JuteDecodeError, 'null ACL scheme')
  t.same(decodeRequest(OpCode.getData, new JuteReader(hex('00000002 2f61 01 deadbeef'))), { type: OpCode.getData, path: '/a', watch: true })
  t.same(decodeRequest(OpCode.getEphemerals, new JuteReader(hex('ffffffff'))), { type: OpCode.getEphemerals, prefixPath: '' }, 'null prefix = all')
  t.same(decodeRequest(OpCode.create, new JuteReader(hex('00000002 2f61 ffffffff ffffffff 00000000'))),
    { type: OpCode.create, path: '/a', data: null, dataLength: 0, acl: [], flags: 0 }, 'a null ACL vector reads as [] (the engine answers INVALIDACL)')
})

t.test('deleteContainer carries the bare UTF-8 path, as ZooKeeper reads it', async (t) => {
  t.same(decodeRequest(OpCode.deleteContainer, new JuteReader(Buffer.from('/c/é'))), { type: OpCode.deleteContainer, path: '/c/é', version: -1 })
})

t.test('encodeRawRequest writes any opcode with any body', async (t) => {
  t.same(encodeRawRequest(undefined, 7, 55, hex('0102')), hex('0000000a 00000007 00000037 0102'))
  t.same(encodeRawRequest(undefined, 8, 3), hex('00000008 00000008 00000003'))
})
