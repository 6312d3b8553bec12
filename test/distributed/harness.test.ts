// The topology harness itself, on the pieces that do not need redkeeper:
// a real redis-server (restart on its dir, with and without an AOF) and a
// real HAProxy rendered from infra/haproxy/haproxy.cfg.template in front of
// small in-test HTTP/WebSocket backends (the backends stand in for nodes;
// what is under test is the load balancer's configuration).

import t from 'tap'
import { createServer, type Server as HttpServer } from 'node:http'
import type { Socket } from 'node:net'
import { Redis } from 'ioredis'
import { httpGet } from '../support/launch'
import { renderHaproxyConfig, startHaproxy } from '../support/haproxy'
import { startRedis } from '../support/topology'
import { waitAofWritten } from '../support/redis'
import { sleep } from '../support/proc'

// `ws` comes with @fastify/websocket and ships no types: declare what we use.
interface WsSocket {
  on(ev: 'message', cb: (data: Buffer) => void): void
  on(ev: 'open' | 'close', cb: () => void): void
  on(ev: 'error', cb: (e: Error) => void): void
  send(data: Buffer | string): void
  close(): void
}
interface WsModule {
  WebSocket: new (url: string) => WsSocket
  WebSocketServer: new (opts: { server: HttpServer, path: string }) => { on(ev: 'connection', cb: (ws: WsSocket) => void): void, close(): void }
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ws = require('ws') as WsModule

t.test('redis: restart keeps the port; an AOF brings acknowledged writes back after kill -9', async (t) => {
  for (const fsync of ['always', 'everysec'] as const) {
    const redis = await startRedis({ appendonly: true, appendfsync: fsync })
    t.teardown(() => redis.stop())
    const c = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null })
    t.teardown(() => c.disconnect())
    await c.connect()
    t.equal(await c.config('GET', 'appendfsync').then((r) => (r as string[])[1]), fsync, `appendfsync ${fsync}`)
    t.equal(await c.call('CONFIG', 'GET', 'save').then((r) => (r as string[])[1]), '', 'no RDB snapshots')
    for (let i = 0; i < 100; i++) await c.set(`k${i}`, String(i))
    const before = redis.pid
    // Outside everysec's documented postponed-write window (see waitAofWritten).
    await waitAofWritten(redis)
    await redis.kill9()
    await redis.restart()
    t.not(redis.pid, before, 'a new process')
    t.equal(await c.get('k99'), '99', `${fsync}: the last acknowledged write survived kill -9 (same URL, ioredis reconnected)`)
    t.equal(await c.dbsize(), 100, 'all 100 keys are back')
  }

  const plain = await startRedis()
  t.teardown(() => plain.stop())
  const c = new Redis(plain.url, { maxRetriesPerRequest: null })
  t.teardown(() => c.disconnect())
  await c.set('gone', '1')
  await plain.restart()
  t.equal(await c.get('gone'), null, 'without an AOF a restart starts empty (so the restart really happened)')
})

t.test('haproxy config: placeholders are filled, bad backends are refused', async (t) => {
  const cfg = renderHaproxyConfig('a {{BIND}} b {{STATS_BIND}}\n{{SERVERS}}\n', '127.0.0.1:1', '127.0.0.1:2', ['127.0.0.1:3', 'h:4'])
  t.equal(cfg, 'a 127.0.0.1:1 b 127.0.0.1:2\n    server n1 127.0.0.1:3\n    server n2 h:4\n')
  t.throws(() => renderHaproxyConfig('{{SERVERS}}', '', '', ['127.0.0.1']), /not host:port/)
  t.throws(() => renderHaproxyConfig('{{NOPE}}', '', '', []), /placeholder \{\{NOPE\}\} was not filled/)
})

/** A stand-in backend: /readyz (switchable), /who, and a WebSocket echo at /v1/zk. */
class Backend {
  ready = true
  readonly server: HttpServer
  private readonly sockets = new Set<Socket>()
  constructor (readonly name: string) {
    this.server = createServer((req, res) => {
      if (req.url === '/readyz') {
        res.statusCode = this.ready ? 200 : 503
        res.end(this.ready ? 'ok' : 'not ready')
      } else if (req.url === '/who') {
        res.end(this.name)
      } else {
        res.statusCode = 404
        res.end()
      }
    })
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    const wss = new ws.WebSocketServer({ server: this.server, path: '/v1/zk' })
    wss.on('connection', (sock) => sock.on('message', (m) => sock.send(Buffer.concat([Buffer.from(`${this.name}:`), m]))))
  }

  listen (): Promise<string> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      const a = this.server.address()
      resolve(`127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`)
    }))
  }

  /** Like a kill -9: every connection reset, the port closed. */
  kill (): void {
    this.server.close()
    for (const s of this.sockets) s.destroy()
  }
}

t.test('haproxy: spreads requests, drops a dead or unready backend, carries WebSockets', async (t) => {
  const a = new Backend('a')
  const b = new Backend('b')
  const backends = [await a.listen(), await b.listen()]
  t.teardown(() => { a.kill(); b.kill() })
  const lb = await startHaproxy(backends)
  t.teardown(() => lb.stop())
  await lb.waitForServers('UP')
  t.same([...(await lb.serverStates()).keys()], ['n1', 'n2'])

  const who = async (n: number): Promise<string[]> => {
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const r = await httpGet(lb.port, '/who')
      out.push(r === null ? 'no answer' : r.status === 200 ? r.body : `status ${r.status}`)
    }
    return out
  }
  const seen = await who(10)
  t.ok(seen.includes('a') && seen.includes('b'), `both backends serve (${seen.join(' ')})`)

  // A WebSocket through haproxy (the upgrade, both directions).
  const sock = new ws.WebSocket(`${lb.url}/v1/zk`)
  const echoed = await new Promise<string>((resolve, reject) => {
    sock.on('error', reject)
    sock.on('open', () => sock.send(Buffer.from('hello')))
    sock.on('message', (m) => resolve(m.toString()))
  })
  t.match(echoed, /^[ab]:hello$/, 'WebSocket echo through haproxy')
  sock.close()

  // Unready (/readyz 503): out of rotation, while the process still runs.
  b.ready = false
  await lb.waitForServers('DOWN', ['n2'])
  t.same(new Set(await who(6)), new Set(['a']), 'an unready backend gets nothing')
  b.ready = true
  await lb.waitForServers('UP', ['n2'])

  // Dead: requests that race the health check are redispatched, never failed.
  a.kill()
  const during = await who(20)
  t.same(new Set(during), new Set(['b']), 'every request answered by the live backend, even before the health check noticed')
  await lb.waitForServers('DOWN', ['n1'])
  await sleep(10)
  t.same(new Set(await who(4)), new Set(['b']))
})
