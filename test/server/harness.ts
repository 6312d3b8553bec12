// Starts the real embedded server in-process on free ports and a temp data
// dir, and gives tests the raw client and raw sockets to talk to it.

import { connect, type Socket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { startEmbeddedServer, type RunningServer, type ServerConfig } from '../../src/server'
import { ZkClient, type ZkClientOptions } from '../../src/client'

export interface Harness {
  server: RunningServer
  address: string
  port: number
  dataDir: string
  connect(opts?: ZkClientOptions): Promise<ZkClient>
  /** a bare TCP socket to the ZooKeeper port, with everything it receives collected */
  rawSocket(): Promise<RawSocket>
  stop(): Promise<void>
}

export interface RawSocket {
  socket: Socket
  received(): Buffer
  /** resolves when the server closes the connection */
  closed: Promise<void>
}

export async function startHarness (overrides: Partial<ServerConfig> = {}): Promise<Harness> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'rk-server-test-'))
  const server = await startEmbeddedServer({
    host: '127.0.0.1',
    zkPort: 0,
    httpPort: 0,
    dataDir,
    tickMs: 2000,
    fourLetterWhitelist: '*',
    logger: pino({ level: process.env.REDKEEPER_TEST_LOG ?? 'silent' }),
    ...overrides
  })
  const address = `127.0.0.1:${server.zkPort}`
  const clients: ZkClient[] = []
  const sockets: Socket[] = []
  return {
    server,
    address,
    port: server.zkPort,
    dataDir,
    async connect (opts: ZkClientOptions = {}) {
      const c = await ZkClient.connect(address, opts)
      clients.push(c)
      return c
    },
    rawSocket () {
      return new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.zkPort })
        sockets.push(socket)
        const chunks: Buffer[] = []
        socket.on('data', (c: Buffer) => chunks.push(c))
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
        socket.once('error', reject)
        socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }))
      })
    },
    async stop () {
      for (const c of clients) c.destroy()
      for (const s of sockets) s.destroy()
      await server.close()
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** Resolves with the reason once the client's connection is gone. */
export function whenClosed (c: ZkClient): Promise<string> {
  if (c.closed) return Promise.resolve('already closed')
  return new Promise((resolve) => c.once('close', resolve))
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
