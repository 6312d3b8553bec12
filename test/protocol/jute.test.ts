import t from 'tap'
import { JuteDecodeError, JuteReader, JuteWriter } from '../../src/protocol'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

t.test('ints, longs and booleans have jute\'s big-endian layout', async (t) => {
  const w = new JuteWriter(16)
  w.begin().int(1).int(-1).long(0).long(1).long(-1).long(2 ** 40 + 5).long(-(2 ** 52)).bool(true).bool(false)
  const f = w.frame()
  t.same(f, hex(`
    00000032
    00000001 ffffffff
    0000000000000000 0000000000000001 ffffffffffffffff 0000010000000005 fff0000000000000
    01 00`))
  const r = new JuteReader(f, 4)
  t.equal(r.int(), 1)
  t.equal(r.int(), -1)
  t.equal(r.long(), 0)
  t.equal(r.long(), 1)
  t.equal(r.long(), -1)
  t.equal(r.long(), 2 ** 40 + 5)
  t.equal(r.long(), -(2 ** 52))
  t.equal(r.bool(), true)
  t.equal(r.bool(), false)
  t.equal(r.remaining, 0)
})

t.test('longs: exact below 2^53, rounded (not wrapped) above; bigint is exact', async (t) => {
  const w = new JuteWriter()
  const big = 0x0100000bf83b0001n // a real ZooKeeper session id (server id 1 in bits 56+)
  w.begin().long(Number.MAX_SAFE_INTEGER).long(Number.MIN_SAFE_INTEGER).long(big).long(-0x8000000000000000n)
  const r = new JuteReader(w.frame(), 4)
  t.equal(r.long(), Number.MAX_SAFE_INTEGER)
  t.equal(r.long(), Number.MIN_SAFE_INTEGER)
  const pos = r.pos
  t.equal(r.long(), Number(big), 'rounded to the nearest double')
  r.pos = pos
  t.equal(r.longBig(), big, 'longBig is exact')
  t.equal(r.long(), -(2 ** 63), 'Long.MIN_VALUE (the container owner) is a double exactly')
})

t.test('a nonzero byte is true, as DataInput.readBoolean reads it', async (t) => {
  t.equal(new JuteReader(hex('7f')).bool(), true)
})

t.test('buffers and strings: -1 is null, 0 is empty, UTF-8 on the wire', async (t) => {
  const w = new JuteWriter()
  w.begin().buffer(null).buffer(Buffer.alloc(0)).buffer(hex('0102')).ustring(null).ustring('').ustring('é/€').stringVector(null).stringVector(['a', 'bc'])
  const f = w.frame()
  t.same(f.subarray(4), hex(`
    ffffffff 00000000 00000002 0102
    ffffffff 00000000 00000006 c3a92fe282ac
    ffffffff 00000002 00000001 61 00000002 6263`))
  const r = new JuteReader(f, 4)
  t.equal(r.bufferView(), null)
  t.same(r.bufferCopy(), Buffer.alloc(0))
  t.same(r.bufferCopy(), hex('0102'))
  t.equal(r.ustring(), null)
  t.equal(r.ustring(), '')
  t.equal(r.ustring(), 'é/€')
  t.same(r.stringVector('v'), [], 'a null vector reads as []')
  t.same(r.stringVector('v'), ['a', 'bc'])
})

t.test('bufferCopy owns its memory; bufferView aliases the frame', async (t) => {
  const frame = hex('00000003 616263')
  const copy = new JuteReader(frame).bufferCopy()
  const view = new JuteReader(frame).bufferView()
  frame[4] = 0x7a
  t.equal(copy?.toString(), 'abc', 'the copy is unaffected by later writes to the frame')
  t.equal(view?.toString(), 'zbc', 'the view sees them')
  t.not(copy?.buffer, frame.buffer)
  t.equal(copy?.byteLength, copy?.buffer.byteLength, 'exactly sized: pins no larger slab')
})

t.test('invalid UTF-8 decodes to U+FFFD, like Java', async (t) => {
  t.equal(new JuteReader(hex('00000002 ff41')).ustring(), '\ufffdA')
})

t.test('truncated or impossible input throws JuteDecodeError', async (t) => {
  const cases: Array<[string, Buffer, (r: JuteReader) => unknown]> = [
    ['int of 3 bytes', hex('000000'), (r) => r.int()],
    ['long of 7 bytes', hex('00000000000000'), (r) => r.long()],
    ['bool of 0 bytes', hex(''), (r) => r.bool()],
    ['buffer longer than the frame', hex('00000005 0102'), (r) => r.bufferCopy()],
    ['buffer length -2', hex('fffffffe'), (r) => r.bufferView()],
    ['string longer than the frame', hex('7fffffff 41'), (r) => r.ustring()],
    ['null where a path is required', hex('ffffffff'), (r) => r.string('path')],
    ['vector count beyond the bytes left', hex('10000000 00000000'), (r) => r.stringVector('v')],
    ['vector count -2', hex('fffffffe'), (r) => r.stringVector('v')],
    ['null string inside a vector', hex('00000001 ffffffff'), (r) => r.stringVector('v')]
  ]
  for (const [what, buf, read] of cases) {
    t.throws(() => read(new JuteReader(buf)), JuteDecodeError, what)
  }
  const err = t.throws(() => new JuteReader(hex('00000009 41')).ustring()) as Error
  t.match(err.message, /truncated record: ustring of 9 bytes/, 'the message says what and where')
})

t.test('a reader honours its slice bounds', async (t) => {
  const buf = hex('00000001 00000002 00000003')
  const r = new JuteReader(buf, 4, 8)
  t.equal(r.int(), 2)
  t.throws(() => r.int(), JuteDecodeError, 'does not read past `end`')
  r.reset(buf, 8)
  t.equal(r.int(), 3)
})

t.test('the writer grows, reuses its scratch, and hands out independent frames', async (t) => {
  const w = new JuteWriter(16)
  const big = Buffer.alloc(100_000, 0xab)
  const f1 = w.begin().int(7).buffer(big).frame()
  t.equal(f1.readInt32BE(0), 4 + 4 + big.length, 'length prefix = bytes after it')
  t.equal(f1.length, 4 + 4 + 4 + big.length)
  const f2 = w.begin().int(8).frame()
  t.same(f2, hex('00000004 00000008'))
  t.equal(f1.readInt32BE(4), 7, 'an earlier frame is not overwritten by the next')
  t.ok(f1.subarray(12).equals(big))
  t.same(w.begin().ustring('x'.repeat(5000)).body().length, 5004, 'body() returns the record without a prefix')
})

t.test('strings of every UTF-16 shape fit the reserved space', async (t) => {
  const w = new JuteWriter(16)
  const s = '\u0000\u007f\u0080\u07ff\u0800\uffff😀'.repeat(300)
  const r = new JuteReader(w.begin().ustring(s).frame(), 4)
  t.equal(r.ustring(), s)
})
