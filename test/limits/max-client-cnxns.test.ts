import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { fourLetterWord } from '../support/fourlw'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { RawConn } from '../support/wire'
import { ZkClient } from '../../src/client'

// maxClientCnxns on both ZooKeeper ports (the embedded server's and the
// sidecar's): past the limit a connection from that address is closed at
// once, without a reply, and logged once; the connections under the limit,
// and every other address, keep being served. 127.0.0.2 is "another client
// host" on loopback.

const LIMIT = 3
const ENV = { REDKEEPER_MAX_CLIENT_CNXNS: String(LIMIT) }

async function exercise (t: Test, host: string, port: number, logFile: () => string): Promise<void> {
  const held: ZkClient[] = []
  t.teardown(() => { for (const c of held) c.destroy() })
  for (let i = 0; i < LIMIT; i++) {
    const c = await ZkClient.connect(`${host}:${port}`, { timeout: 30000 })
    held.push(c)
    t.not(c.sessionId, 0, `connection ${i + 1} of ${LIMIT} gets a session`)
  }

  for (let i = 0; i < 5; i++) {
    const over = await RawConn.open(host, port)
    t.ok(await over.closedWithin(10_000), `connection ${LIMIT + i + 1} from the same address is closed`)
    t.equal(await over.nextFrame(1000), null, 'with no reply')
    over.destroy()
  }

  // another address is not affected by this one's count
  const others: ZkClient[] = []
  t.teardown(() => { for (const c of others) c.destroy() })
  for (let i = 0; i < LIMIT; i++) others.push(await ZkClient.connect(`${host}:${port}`, { localAddress: '127.0.0.2' }))
  t.equal((await others[LIMIT - 1].ping()).err, 0, `${LIMIT} clients from another address are served while this one is at its limit`)

  for (const c of held) t.equal((await c.ping()).err, 0, 'a connection under the limit is still served')

  // closing one frees a slot (its close reaches the server a moment later)
  const last = held.pop()
  last?.destroy()
  let admitted = false
  for (let i = 0; i < 50 && !admitted; i++) {
    try {
      held.push(await ZkClient.connect(`${host}:${port}`, { connectTimeout: 2000 }))
      admitted = true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  t.ok(admitted, 'a slot freed by a close is given to the next connection')

  const warnings = logFile().split('\n').filter((l) => l.includes('Too many connections from 127.0.0.1'))
  t.equal(warnings.length, 1, 'five refusals from one address are logged once')
}

t.test('embedded server', async (t) => {
  const server = await startRedkeeper({ env: ENV })
  t.teardown(() => server.destroy())
  const conf = await fourLetterWord(server.host, server.port, 'conf')
  t.match(conf, /maxClientCnxns=3\n/, 'conf shows maxClientCnxns')
  await exercise(t, server.host, server.port, () => readFileSync(server.logFile, 'utf8'))
})

t.test('node1: the sidecar limits its port', async (t) => {
  const topo = await startTopology('node1', { sidecar: { env: ENV } })
  t.teardown(() => topo.stop())
  const sidecar = topo.sidecar
  if (sidecar === undefined) throw new Error('node1 has a sidecar')
  await exercise(t, topo.host, topo.port, () => readFileSync(sidecar.logFile, 'utf8'))
})
