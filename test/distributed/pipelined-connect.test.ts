// A client may pipeline requests, pings included, right behind its
// ConnectRequest, before the ConnectResponse: ZooKeeper stops reading the
// connection until the session is made, then serves them in order. Through
// the sidecar a ping sent that early used to be dropped (no session yet),
// so the client waited for a reply that never came (found by the wire
// fuzzer). Real ZooKeeper 3.8 is the oracle.

import { connect } from 'node:net'
import t from 'tap'
import { OpCode } from '../../src/engine/codes'
import { decodeConnectResponse, encodeConnectRequest, encodeRequest, FrameDecoder } from '../../src/protocol'
import { startTopology } from '../support/topology'
import { startZooKeeper } from '../support/zookeeper'

const PING = (): Buffer => Buffer.from(encodeRequest(undefined, -2, { type: OpCode.ping }))

/** What came back for one pipelined burst: the session's timeout, then (xid, err) of each reply in order. */
async function burst (host: string, port: number, frames: Buffer[], expectReplies: number): Promise<{ timeout: number, replies: Array<[number, number]>, closed: boolean }> {
  return await new Promise((resolve, reject) => {
    const sock = connect({ host, port })
    const dec = new FrameDecoder()
    let timeout = -1
    const replies: Array<[number, number]> = []
    const timer = setTimeout(() => finish(false), 20_000)
    const finish = (closed: boolean): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve({ timeout, replies, closed })
    }
    sock.on('error', reject)
    sock.on('close', () => finish(true))
    sock.on('connect', () => sock.write(Buffer.concat(frames)))
    sock.on('data', (chunk) => {
      dec.push(chunk, (f) => {
        if (timeout < 0) {
          timeout = decodeConnectResponse(f).timeOut
          return
        }
        replies.push([f.readInt32BE(0), f.readInt32BE(12)])
        if (replies.length === expectReplies) finish(false)
      })
    })
  })
}

t.test('requests and pings pipelined behind the ConnectRequest are answered in order, as ZooKeeper does', async (t) => {
  const [zk, topo] = await Promise.all([startZooKeeper(), startTopology('node1')])
  t.teardown(async () => { await Promise.all([zk.stop(), topo.stop()]) })
  const frames = [
    Buffer.from(encodeConnectRequest(undefined, { lastZxidSeen: 0, timeOut: 30_000, sessionId: 0, passwd: Buffer.alloc(16) }, true)),
    PING(),
    Buffer.from(encodeRequest(undefined, 1, { type: OpCode.exists, path: '/', watch: false })),
    PING(),
    Buffer.from(encodeRequest(undefined, 2, { type: OpCode.getData, path: '/nope', watch: false })),
    PING()
  ]
  const want = await burst(zk.host, zk.port, frames, 5)
  t.same(want.replies.map(([xid]) => xid), [-2, 1, -2, 2, -2], 'ZooKeeper answers every one, in order')
  const got = await burst(topo.host, topo.port, frames, 5)
  t.ok(got.timeout > 0, 'redkeeper made the session')
  t.same(got.replies, want.replies, 'redkeeper (sidecar → node → Redis) answers the same, in the same order, with the same errors')
  t.equal(got.closed, false, 'and keeps the connection open')
})
