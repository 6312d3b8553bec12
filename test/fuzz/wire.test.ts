import { connect, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { ZkClient } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import { FrameDecoder } from '../../src/protocol'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { connectFrame, fuzzRuns, fuzzSeed, mutate, requestFrame, Rng } from '../support/fuzz'

// Random and mutated frames against live servers (embedded, and
// sidecar→node→Redis): each hostile connection must end in a close or in an
// answer to the valid ping sent after its junk (so nothing hung or stalled
// it), and a well-behaved client keeps being served and its data intact.
// FUZZ_SEED replays, FUZZ_RUNS sets the connections per target (default 40).

const seed = fuzzSeed()
const runs = fuzzRuns(40)
t.comment(`FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`)

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const PING = (() => { const b = Buffer.alloc(12); b.writeInt32BE(8, 0); b.writeInt32BE(-2, 4); b.writeInt32BE(OpCode.ping, 8); return b })()

function withLength (body: Buffer): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(body.length)
  return Buffer.concat([b, body])
}

type Outcome = 'closed' | 'answered' | 'waiting' | 'stuck'

/** Whether the bytes end inside a frame: then a server rightly waits for the rest (ZooKeeper does too, until the session times out). */
function endsMidFrame (frames: Buffer[]): boolean {
  const dec = new FrameDecoder()
  try {
    dec.push(Buffer.concat([...frames, PING]), () => {})
  } catch {
    return false
  }
  return dec.pending
}

/**
 * One hostile connection: 'closed', 'answered' (the ping came back), or
 * after 10 s 'waiting' (its bytes end inside a frame) or 'stuck' (they do
 * not, yet nothing came back: a defect).
 */
function hostile (host: string, port: number, r: Rng): Promise<{ how: Outcome, control: boolean }> {
  // the frames are built before connecting, so the sequence depends on the seed only
  // one connection in four is a control: valid frames only, which must be answered
  const control = r.int(4) === 0
  const frames: Buffer[] = [!control && r.int(5) === 0 ? withLength(mutate(r, connectFrame(r).subarray(4), r.bytes(8))) : connectFrame(r, control)]
  let prev = requestFrame(r).subarray(4)
  for (let i = 1 + r.int(6); i > 0; i--) {
    let f = requestFrame(r)
    // a failed auth closes the connection, as ZooKeeper does: not for the control
    while (control && (f.readInt32BE(8) === OpCode.auth || f.readInt32BE(8) === OpCode.sasl)) f = requestFrame(r)
    const roll = r.int(4)
    if (control || roll === 0) frames.push(f) // a valid request now and then
    else if (roll === 1) frames.push(mutate(r, f, prev)) // the length prefix itself mutated
    else frames.push(withLength(mutate(r, f.subarray(4), prev)))
    prev = f.subarray(4)
  }
  const midFrame = endsMidFrame(frames)
  return new Promise((resolve) => {
    const sock: Socket = connect({ host, port })
    const dec = new FrameDecoder({ maxBuffer: 16 * 1024 * 1024 })
    let seen = 0
    let settled = false
    const done = (how: Outcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ how, control })
    }
    const timer = setTimeout(() => done(midFrame ? 'waiting' : 'stuck'), 10_000)
    sock.on('error', () => {})
    sock.on('close', () => done('closed'))
    // everything pipelined behind the ConnectRequest, as a client may
    sock.on('connect', () => {
      for (const f of frames) sock.write(f)
      sock.write(PING)
    })
    sock.on('data', (chunk) => {
      try {
        dec.push(chunk, (f) => {
          seen++
          // frame 1 is the ConnectResponse; after it, a reply with xid -2 is the ping's
          if (seen > 1 && f.length >= 4 && f.readInt32BE(0) === -2) done('answered')
        })
      } catch {
        done('closed')
      }
    })
  })
}

async function fuzzTarget (t: Test, host: string, port: number, address: string, salt: number): Promise<void> {
  const good = await ZkClient.connect(address)
  t.teardown(() => good.destroy())
  const path = '/fuzz-good'
  t.equal((await good.request({ type: OpCode.create, path, data: Buffer.from('v0'), dataLength: 2, acl: OPEN, flags: 0 })).err, Err.OK)
  const r = new Rng(seed ^ salt)
  const tally = { closed: 0, answered: 0, waiting: 0, stuck: 0 }
  const controls = { answered: 0, other: [] as Outcome[] }
  for (let i = 0; i < runs; i += 8) {
    const batch = []
    for (let k = i; k < Math.min(runs, i + 8); k++) batch.push(hostile(host, port, r))
    for (const { how, control } of await Promise.all(batch)) {
      tally[how]++
      if (control && how === 'answered') controls.answered++
      else if (control) controls.other.push(how)
    }
    const v = `v${i + 1}`
    t.equal((await good.request({ type: OpCode.setData, path, data: Buffer.from(v), dataLength: v.length, version: -1 })).err, Err.OK, `good client served after ${Math.min(runs, i + 8)} hostile connections`)
  }
  t.same(controls.other, [], `every control connection (valid frames only: ${controls.answered}) was answered`)
  t.equal(tally.stuck, 0, `no connection with whole frames went unanswered (closed ${tally.closed}, answered ${tally.answered}, waiting mid-frame ${tally.waiting})`)
  const got = await good.request({ type: OpCode.getData, path, watch: false })
  t.equal(got.err, Err.OK)
  t.ok(got.body?.data?.toString().startsWith('v'), 'the good client\'s data is intact')
}

t.test('embedded server', async (t) => {
  const server = await startRedkeeper()
  t.teardown(() => server.destroy())
  await fuzzTarget(t, server.host, server.port, server.address, 0x1234)
})

t.test('node1 (sidecar → node → Redis)', async (t) => {
  const topo = await startTopology('node1')
  t.teardown(() => topo.stop())
  // Pipelined right behind the ConnectRequest, as for the embedded server:
  // ZooKeeper serves requests (pings too) a client sends before its
  // ConnectResponse, once the session is made, in order.
  await fuzzTarget(t, topo.host, topo.port, topo.address, 0x5678)
})
