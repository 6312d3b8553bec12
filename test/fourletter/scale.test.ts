import t, { type Test } from 'tap'
import { request } from 'node:http'
import { ZkClient } from '../../src/client'
import { Err, OpCode, Xid } from '../../src/engine/codes'
import { fourLetterWord } from '../support/fourlw'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { linesOf } from './shapes'

// 100,000 watches: wchs, wchc, wchp and dump stay exact, and a node streams
// the tables (read from Redis in SCAN batches) instead of building one
// string: its HTTP answer is chunked and the sidecar passes it on as it comes.

t.setTimeout(180_000)

const WATCHES = 100_000
/** per setWatches request, to stay under jute.maxbuffer */
const PER_REQUEST = 25_000

/**
 * Exists watches on missing paths: registrations in the data table, no
 * znodes needed. Every batch carries xid -8, as the Java client sends a
 * reconnect's watches: a node must run each batch, not take the second for a
 * replay of the first (it did once, and kept a quarter of the watches).
 */
async function watchMany (c: ZkClient): Promise<void> {
  for (let from = 0; from < WATCHES; from += PER_REQUEST) {
    const paths = Array.from({ length: PER_REQUEST }, (_, i) => `/w${from + i}`)
    const r = await c.request({ type: OpCode.setWatches, relativeZxid: 0, dataWatches: [], existWatches: paths, childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }, { xid: Xid.SET_WATCHES })
    if (r.err !== Err.OK) throw new Error(`setWatches failed: ${r.err}`)
  }
}

async function check (t: Test, host: string, port: number, session: string): Promise<void> {
  t.equal(await fourLetterWord(host, port, 'wchs', 60_000), `1 connections watching ${WATCHES} paths\nTotal watches:${WATCHES}\n`)
  const wchc = linesOf(await fourLetterWord(host, port, 'wchc', 60_000))
  t.equal(wchc[0], session, 'wchc: the one session first')
  t.equal(wchc.length, WATCHES + 2, 'wchc: the session, every path, the closing blank line')
  t.equal(new Set(wchc.slice(1, -1)).size, WATCHES, 'wchc: each path once')
  const wchp = linesOf(await fourLetterWord(host, port, 'wchp', 60_000))
  t.equal(wchp.length, 2 * WATCHES + 1, 'wchp: every path with its session, then the blank line')
  t.equal(wchp.filter((l) => l === `\t${session}`).length, WATCHES)
  const dump = await fourLetterWord(host, port, 'dump', 60_000)
  t.match(dump, new RegExp(`^SessionTracker dump:\\nSession Sets \\(1\\)/\\(1\\):\\n1 expire at [^\\n]+:\\n\\t${session}\\nephemeral nodes dump:\\nSessions with Ephemerals \\(0\\):\\nConnections dump:\\n`))
}

t.test('node1', async (t) => {
  const topo = await startTopology('node1')
  t.teardown(() => topo.stop())
  const c = await ZkClient.connect(topo.address, { timeout: 30000 })
  t.teardown(() => c.destroy())
  await watchMany(c)
  await check(t, topo.host, topo.port, `0x${c.sessionIdBig.toString(16)}`)

  const head = await new Promise<{ status?: number, chunked: boolean, length?: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: topo.nodes[0].httpPort, path: '/v1/fourletter/wchp' }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, chunked: res.headers['transfer-encoding'] === 'chunked', length: res.headers['content-length'] }))
    })
    req.on('error', reject)
    req.end()
  })
  t.same(head, { status: 200, chunked: true, length: undefined }, 'the node streams wchp (chunked, no length known up front)')
})

t.test('embedded', async (t) => {
  const rk = await startRedkeeper()
  t.teardown(() => rk.destroy())
  const c = await ZkClient.connect(rk.address, { timeout: 30000 })
  t.teardown(() => c.destroy())
  await watchMany(c)
  await check(t, rk.host, rk.port, `0x${c.sessionIdBig.toString(16)}`)
})
