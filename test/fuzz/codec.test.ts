import t from 'tap'
import {
  FrameDecoder, JuteDecodeError, JuteReader, decodeConnectRequest, decodeConnectResponse, decodeReplyBody,
  decodeReplyHeader, decodeRequest, decodeRequestHeader, decodeWatchEvent, encodeRequest
} from '../../src/protocol'
import { connectFrame, fuzzRuns, fuzzSeed, mutate, requestFrame, Rng } from '../support/fuzz'

// Property: whatever bytes arrive, src/protocol's decoders either decode
// them or throw the codec's own JuteDecodeError (the server answers or
// closes just that connection); any other exception would be a crash path.
// Valid frames come from the codec's own encoder and must round-trip.
// FUZZ_SEED replays a run, FUZZ_RUNS makes it longer (default ≈ a few s).

const seed = fuzzSeed()
const runs = fuzzRuns(20_000)
t.comment(`FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`)

/** Runs `fn`; a JuteDecodeError is an accepted outcome, anything else fails with the input in hex. */
function decodes (what: string, input: Buffer, fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch (err) {
    if (err instanceof JuteDecodeError) return false
    t.fail(`${what} threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { input: input.toString('hex'), seed })
    throw err
  }
}

function decodeRequestFrame (body: Buffer): void {
  const r = new JuteReader(body)
  const h = decodeRequestHeader(r)
  decodeRequest(h.type, r)
}

t.test('valid request frames round-trip through decode and encode', async (t) => {
  const r = new Rng(seed)
  let n = 0
  for (let i = 0; i < runs / 4; i++) {
    const f = requestFrame(r)
    const body = f.subarray(4)
    const rd = new JuteReader(body)
    const h = decodeRequestHeader(rd)
    const req = decodeRequest(h.type, rd)
    // one decode may normalise (a multiRead sub-read's watch flag is dropped, as ZooKeeper ignores it);
    // after that, decode and encode are exact inverses
    const once = Buffer.from(encodeRequest(undefined, h.xid, req))
    const rd2 = new JuteReader(once.subarray(4))
    const h2 = decodeRequestHeader(rd2)
    const again = Buffer.from(encodeRequest(undefined, h2.xid, decodeRequest(h2.type, rd2)))
    if (!again.equals(once) || once.length !== f.length) {
      t.fail('re-encoding a decoded request changed it', { seed, input: f.toString('hex'), once: once.toString('hex'), again: again.toString('hex') })
      return
    }
    n++
  }
  t.equal(n, Math.ceil(runs / 4), `${n} requests round-tripped`)
})

t.test('mutated and random request frames: decoded or JuteDecodeError', async (t) => {
  const r = new Rng(seed ^ 0x5bd1e995)
  let ok = 0
  let refused = 0
  let prev = requestFrame(r).subarray(4)
  for (let i = 0; i < runs; i++) {
    const body = mutate(r, requestFrame(r).subarray(4), prev)
    prev = body
    if (decodes('decodeRequest', body, () => decodeRequestFrame(body))) ok++
    else refused++
  }
  t.ok(ok > 0 && refused > 0, `${ok} decoded, ${refused} refused with JuteDecodeError`)
})

t.test('mutated connect requests and client-side reply decoders', async (t) => {
  const r = new Rng(seed ^ 0x1b873593)
  let ok = 0
  for (let i = 0; i < runs / 2; i++) {
    const body = mutate(r, connectFrame(r).subarray(4), r.bytes(40))
    if (decodes('decodeConnectRequest', body, () => decodeConnectRequest(body))) ok++
    decodes('decodeConnectResponse', body, () => decodeConnectResponse(body))
    const reply = mutate(r, r.bytes(16 + r.int(80)), body)
    decodes('decodeReplyBody', reply, () => {
      const rd = new JuteReader(reply)
      decodeReplyHeader(rd)
      decodeReplyBody(r.pick([1, 3, 4, 5, 8, 12, 14, 6, 15, 104, 103, 107, 2, 999]), rd)
    })
    decodes('decodeWatchEvent', reply, () => decodeWatchEvent(new JuteReader(reply)))
  }
  t.ok(ok > 0, `${ok} connect requests decoded; the rest refused with JuteDecodeError`)
})

t.test('the frame splitter: any chunking of any byte stream yields frames or FrameTooLargeError', async (t) => {
  const r = new Rng(seed ^ 0x27d4eb2f)
  let frames = 0
  for (let i = 0; i < runs / 10; i++) {
    const parts: Buffer[] = []
    for (let k = r.int(5); k >= 0; k--) parts.push(r.int(4) === 0 ? mutate(r, requestFrame(r), r.bytes(8)) : requestFrame(r))
    const stream = Buffer.concat(parts)
    const dec = new FrameDecoder({ maxBuffer: 4096 })
    let pos = 0
    decodes('FrameDecoder.push', stream, () => {
      while (pos < stream.length) {
        const n = 1 + r.int(64)
        dec.push(stream.subarray(pos, pos + n), (f) => {
          frames++
          if (f.length > 4096) throw new Error(`a ${f.length}-byte frame passed maxBuffer 4096`)
        })
        pos += n
      }
    })
  }
  t.ok(frames > 0, `${frames} frames split out`)
})
