import t from 'tap'
import { DEFAULT_MAX_BUFFER, FrameDecoder, FrameTooLargeError, JuteDecodeError } from '../../src/protocol'

function frame (body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length)
  b.writeInt32BE(body.length, 0)
  body.copy(b, 4)
  return b
}

function collect (d: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = []
  for (const c of chunks) d.push(c, (f) => out.push(Buffer.from(f)))
  return out
}

const bodies = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from('x')]
const stream = Buffer.concat(bodies.map(frame))

t.test('several frames in one chunk', async (t) => {
  t.same(collect(new FrameDecoder(), [stream]), bodies)
})

t.test('every split point of a stream yields the same frames', async (t) => {
  for (let i = 0; i <= stream.length; i++) {
    const d = new FrameDecoder()
    const got = collect(d, [stream.subarray(0, i), stream.subarray(i)])
    if (!t.same(got, bodies, `split at ${i}`)) break
    t.notOk(d.pending)
  }
})

t.test('byte-at-a-time delivery', async (t) => {
  const chunks = [...stream].map((b) => Buffer.from([b]))
  t.same(collect(new FrameDecoder(), chunks), bodies)
})

t.test('a frame inside one chunk is a view; a frame across chunks is assembled', async (t) => {
  const d = new FrameDecoder()
  const chunk = frame(Buffer.from('abc'))
  let seen: Buffer | undefined
  d.push(chunk, (f) => { seen = f })
  t.equal(seen?.buffer, chunk.buffer, 'no copy for a whole frame')
  const parts: Buffer[] = []
  d.push(chunk.subarray(0, 5), (f) => parts.push(f))
  t.ok(d.pending, 'a partial frame is pending')
  d.push(chunk.subarray(5), (f) => parts.push(f))
  t.same(parts, [Buffer.from('abc')])
})

t.test('lengths above maxBuffer or below 0 throw FrameTooLargeError', async (t) => {
  t.equal(DEFAULT_MAX_BUFFER, 1048575, 'jute.maxbuffer default')
  const head = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n, 0); return b }
  t.same(collect(new FrameDecoder(), [head(1048575)]), [], 'exactly maxBuffer is accepted (pending)')
  for (const n of [1048576, 0x7fffffff, -1, -2147483648]) {
    const err = t.throws(() => new FrameDecoder().push(head(n), () => {}), FrameTooLargeError, `length ${n}`) as FrameTooLargeError
    t.equal(err.length, n)
    t.ok(err instanceof JuteDecodeError, 'a FrameTooLargeError is a JuteDecodeError')
  }
  const small = new FrameDecoder({ maxBuffer: 10 })
  t.same(collect(small, [frame(Buffer.alloc(10))]), [Buffer.alloc(10)])
  t.throws(() => small.push(frame(Buffer.alloc(11)), () => {}), FrameTooLargeError, 'configurable limit')
  // A length prefix split across chunks is checked once complete.
  const split = new FrameDecoder({ maxBuffer: 10 })
  split.push(head(11).subarray(0, 2), () => {})
  t.throws(() => split.push(head(11).subarray(2), () => {}), FrameTooLargeError)
})

t.test('a four-letter word reads as a huge length the server can recognise', async (t) => {
  const err = t.throws(() => new FrameDecoder().push(Buffer.from('ruok'), () => {})) as FrameTooLargeError
  t.equal(err.length, Buffer.from('ruok').readInt32BE(0))
  t.match(err.message, /exceeds jute.maxbuffer/)
})

t.test('frames delivered before an oversized one are still handed out', async (t) => {
  const got: Buffer[] = []
  const bad = Buffer.alloc(4)
  bad.writeInt32BE(-7, 0)
  t.throws(() => new FrameDecoder().push(Buffer.concat([frame(Buffer.from('ok')), bad]), (f) => got.push(f)), FrameTooLargeError)
  t.same(got, [Buffer.from('ok')])
})

t.test('reset drops a partial frame', async (t) => {
  const d = new FrameDecoder()
  d.push(stream.subarray(0, 6), () => {})
  t.ok(d.pending)
  d.reset()
  t.notOk(d.pending)
  t.same(collect(d, [stream]), bodies)
})

t.test('pushUntil stops right after a frame its callback refuses more behind, and the rest is fed later', async (t) => {
  const bodies = ['a', 'bb', 'ccc', 'dddd'].map((s) => Buffer.from(s))
  const chunk = Buffer.concat(bodies.map(frame))
  const d = new FrameDecoder()
  const got: string[] = []
  const used = d.pushUntil(chunk, (f) => {
    got.push(f.toString())
    return got.length < 2
  })
  t.same(got, ['a', 'bb'], 'no frame after the refusing one')
  t.equal(used, 5 + 6, 'consumed: exactly the two frames')
  t.notOk(d.pending, 'nothing half-read is kept inside')
  t.equal(d.pushUntil(chunk.subarray(used), (f) => { got.push(f.toString()) }), chunk.length - used, 'the rest, fed again, is consumed whole')
  t.same(got, ['a', 'bb', 'ccc', 'dddd'])
  // a frame completed across chunks can stop the push too
  const split = new FrameDecoder()
  const seen: string[] = []
  split.pushUntil(chunk.subarray(0, 7), () => {})
  t.equal(split.pushUntil(chunk.subarray(7), (f) => { seen.push(f.toString()); return false }), 11 - 7, 'stops after the assembled frame')
  t.same(seen, ['bb'])
})
