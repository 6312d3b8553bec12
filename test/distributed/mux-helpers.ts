// Helpers of the mux suites (mux.test.ts, mux-failover.test.ts): counting
// the sidecar's TCP connections to a node, the node's own count, polling.

import { readFileSync } from 'node:fs'
import { ZkClient } from '../../src/client'
import { httpGet } from '../support/launch'
import type { NodeHandle } from '../support/topology'

export const WAIT = 30_000
export const PERSISTENT = 0
export const EPHEMERAL = 1

/**
 * Established TCP connections whose far end is `port` on this host (the
 * sidecar's side of its WebSockets to a node). The test's own HTTP polls of
 * the node count too until their sockets close (the body can arrive before
 * the FIN), so callers wait for the count rather than read it once.
 */
export function connectionsTo (port: number): number {
  let n = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 4) continue
      const remotePort = parseInt(f[2].split(':')[1], 16)
      if (remotePort === port && f[3] === '01') n++
    }
  }
  return n
}

/** The node's own count of ZooKeeper connections (channels included), from /v1/status. */
export async function nodeConnections (node: NodeHandle): Promise<number> {
  const r = await httpGet(node.httpPort, '/v1/status', 5000)
  if (r === null || r.status !== 200) throw new Error(`/v1/status: ${r === null ? 'no answer' : r.status}`)
  return (JSON.parse(r.body) as { connections: number }).connections
}

/** Polls `check` until it holds (or throws after `ms`, naming what it last saw). */
export async function until<T> (what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, ms = WAIT): Promise<T> {
  const deadline = Date.now() + ms
  let last: T = await read()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    last = await read()
  }
  return last
}

export async function connectAll (address: string, n: number): Promise<ZkClient[]> {
  const out: ZkClient[] = []
  for (let i = 0; i < n; i++) out.push(await ZkClient.connect(address, { timeout: 20_000 }))
  return out
}

/** Watches for connections the sidecar closed: none of these clients may see one. */
export function closes (clients: ZkClient[]): string[] {
  const seen: string[] = []
  clients.forEach((c, i) => c.on('close', (reason: string) => seen.push(`client ${i}: ${reason}`)))
  return seen
}

