// Shared plumbing for the conformance suite: clients that are cleaned up with
// their subtest, short request helpers, a watch-event collector, and a hang
// guard. None of it interprets ZooKeeper's answers: assertions do that.

import { once } from 'node:events'
import type { Test } from 'tap'
import { ZkClient, type Reply, type WatchNotification, type ZkClientOptions } from '../../src/client'
import { Err, OpCode } from '../../src/engine/codes'
import type { ACL, Data, Stat } from '../../src/engine/types'

export type Tap = Test

export const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
export const READ_ONLY: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]

/** Every suite subtest gets one of these: its clients are dropped when the subtest ends. */
export class Session {
  private readonly clients: ZkClient[] = []

  constructor (t: Tap, private readonly addr: () => string) {
    t.teardown(() => {
      for (const c of this.clients) if (!c.closed) c.destroy()
    })
  }

  async client (opts: ZkClientOptions = {}): Promise<ZkClient> {
    const c = await ZkClient.connect(this.addr(), { record: true, ...opts })
    this.clients.push(c)
    return c
  }

  track (c: ZkClient): ZkClient {
    this.clients.push(c)
    return c
  }

  get address (): string {
    return this.addr()
  }
}

export function bytes (s: string): Buffer {
  return Buffer.from(s, 'utf8')
}

export function create (c: ZkClient, path: string, flags = 0, data: Data = null, acl: ACL[] = OPEN): Promise<Reply> {
  return c.request({ type: OpCode.create, path, data, dataLength: data === null ? 0 : data.length, acl, flags })
}

export function create2 (c: ZkClient, path: string, flags = 0, data: Data = null, acl: ACL[] = OPEN): Promise<Reply> {
  return c.request({ type: OpCode.create2, path, data, dataLength: data === null ? 0 : data.length, acl, flags })
}

export function setData (c: ZkClient, path: string, data: Data, version = -1): Promise<Reply> {
  return c.request({ type: OpCode.setData, path, data, dataLength: data === null ? 0 : data.length, version })
}

export function del (c: ZkClient, path: string, version = -1): Promise<Reply> {
  return c.request({ type: OpCode.delete, path, version })
}

export function exists (c: ZkClient, path: string, watch = false): Promise<Reply> {
  return c.request({ type: OpCode.exists, path, watch })
}

export function getData (c: ZkClient, path: string, watch = false): Promise<Reply> {
  return c.request({ type: OpCode.getData, path, watch })
}

export function getChildren (c: ZkClient, path: string, watch = false): Promise<Reply> {
  return c.request({ type: OpCode.getChildren, path, watch })
}

export function getChildren2 (c: ZkClient, path: string, watch = false): Promise<Reply> {
  return c.request({ type: OpCode.getChildren2, path, watch })
}

/** The Stat of an existing node, failing the test if ZooKeeper says otherwise. */
export async function statOf (t: Tap, c: ZkClient, path: string): Promise<Stat> {
  const r = await exists(c, path)
  t.equal(r.err, Err.OK, `exists ${path}`)
  if (r.body?.stat === undefined) throw new Error(`exists ${path} returned no stat (err ${r.err})`)
  return r.body.stat
}

/** Sorted copy: ZooKeeper lists children and ephemerals in hash-set order. */
export function sorted (xs: readonly string[] | undefined): string[] {
  return [...(xs ?? [])].sort()
}

/** Collects a client's watch notifications from now on. */
export function collect (c: ZkClient): WatchNotification[] {
  const events: WatchNotification[] = []
  c.on('watch', (ev) => events.push(ev))
  return events
}

/**
 * A round trip on `c`. ZooKeeper queues a notification on a connection before
 * the reply to any request processed after the write that triggered it, so
 * once this resolves every event caused by an already-acknowledged write has
 * arrived: "no event" can be asserted without waiting on a clock.
 */
export async function barrier (c: ZkClient): Promise<void> {
  await c.request({ type: OpCode.sync, path: '/' })
}

export function ev (type: number, path: string): { type: number, state: number, path: string } {
  return { type, state: 3, path }
}

/** Events without the header zxid, for comparison with ev(). */
export function plain (events: readonly WatchNotification[]): Array<{ type: number, state: number, path: string }> {
  return events.map((e) => ({ type: e.type, state: e.state, path: e.path }))
}

/**
 * Fails instead of hanging when a server never does what is awaited (never
 * closes a connection, never answers). A liveness guard, not a speed check.
 */
export async function within<T> (p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${ms} ms waiting for: ${what}`)), ms)
  })
  try {
    return await Promise.race([p, guard])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves when the client's connection is gone. */
export async function closedByServer (c: ZkClient): Promise<void> {
  if (c.closed) return
  await within(once(c, 'close').then(() => undefined), 'the server to close the connection')
}
