// A TCP relay between one node and Redis, owned by the test, to cut that
// node off from Redis while it stays reachable by its sidecars. `block()`
// stops relaying in both directions without closing anything (as a dropped
// network link does: the sockets stay open, the bytes wait), `unblock()`
// lets them through again. When either side closes, so does the other.

import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  readonly blocked: boolean
  block(): void
  unblock(): void
  close(): Promise<void>
}

export async function startTcpProxy (targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let blocked = false
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host, port: targetPort })
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    if (blocked) { client.pause(); upstream.pause() }
    const end = (): void => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('tcp proxy: no port')
  return {
    port: addr.port,
    get blocked () { return blocked },
    block () {
      blocked = true
      // pause() stops reading; pipe() would resume on 'drain', so unpipe too
      for (const [a, b] of pairs) { a.unpipe(b); b.unpipe(a); a.pause(); b.pause() }
    },
    unblock () {
      blocked = false
      for (const [a, b] of pairs) { a.pipe(b); b.pipe(a); a.resume(); b.resume() }
    },
    close () {
      for (const [a, b] of pairs) { a.destroy(); b.destroy() }
      pairs.clear()
      return new Promise((resolve) => server.close(() => resolve()))
    }
  }
}
