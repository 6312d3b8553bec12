// Network namespaces for the cut-off node fault: each node runs in its own
// namespace with two veth links to the root namespace, one that carries its
// Redis traffic and one that carries its clients' (HAProxy's) traffic:
//
//   root ns                                  node's ns
//   redis-server on 169.254.S.(8i+1) ─ rk<pid>r<i> ═ redis  169.254.S.(8i+2)
//   haproxy     from 169.254.S.(8i+5) ─ rk<pid>c<i> ═ client 169.254.S.(8i+6) ← node listens here
//
// cut() takes the root end of the Redis link down: the node's packets to
// Redis (and Redis's to it) are dropped at the link as on a pulled cable,
// with no error to either side (established connections hang, new ones get
// no answer to their SYN), while the client link is untouched. heal() brings
// it up again. Why links and not a packet filter: this machine has neither
// iptables nor nft, and tc's drop action (act_gact) is not loadable here;
// iproute2's veth and `ip link set down` need nothing beyond the kernel.
//
// Addresses are link-local (169.254/16, never routed), one /24 per cluster,
// picked among those not already on an interface here (parallel runs).
// Everything is removed with the namespace: on stop(), and at exit.

import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface NodeNetns {
  /** the namespace's name (`ip netns exec <name>`) */
  name: string
  /** where the node listens (the client link's namespace end) */
  host: string
  /** where Redis listens for this node (the Redis link's root end) */
  redisHost: string
  readonly cut: boolean
  /** the Redis link down */
  block(): Promise<void>
  unblock(): Promise<void>
}

export interface NetnsSet {
  nodes: NodeNetns[]
  /** the Redis-side addresses, for redis-server's bind */
  redisHosts: string[]
  remove(): Promise<void>
}

const made = new Set<string>()
let hooked = false

function removeAtExit (name: string): void {
  made.add(name)
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const n of made) { try { execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }) } catch { /* gone */ } }
  })
}

async function ip (...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 })
}

/** A /24 of 169.254/16 that no interface here has an address in. */
async function freeSubnet (): Promise<number> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show'], { timeout: 10_000 })
  const used = new Set([...stdout.matchAll(/inet 169\.254\.(\d+)\./g)].map((m) => Number(m[1])))
  for (let k = 0; k < 64; k++) {
    const s = 1 + Math.floor(Math.random() * 253)
    if (!used.has(s)) return s
  }
  throw new Error('netns: no free 169.254.x.0/24')
}

/**
 * Makes `count` namespaces with their links, or explains why it cannot
 * (not root, no `ip`, namespaces not permitted): then the caller falls
 * back to the TCP relay and says so.
 */
export async function makeNetns (count: number): Promise<NetnsSet | { unavailable: string }> {
  if (process.platform !== 'linux') return { unavailable: `not Linux (${process.platform})` }
  if (process.getuid?.() !== 0) return { unavailable: 'not root (ip netns needs CAP_NET_ADMIN)' }
  const s = await freeSubnet().catch((err: Error) => err)
  if (s instanceof Error) return { unavailable: s.message }
  const nodes: NodeNetns[] = []
  const names: string[] = []
  const remove = async (): Promise<void> => {
    for (const n of names) {
      await ip('netns', 'del', n).catch(() => {})
      made.delete(n)
    }
  }
  try {
    for (let i = 0; i < count; i++) {
      const name = `rk${process.pid}-${i}`
      const rootR = `rk${process.pid}r${i}`
      const rootC = `rk${process.pid}c${i}`
      const a = (k: number): string => `169.254.${s}.${8 * i + k}`
      await ip('netns', 'add', name)
      names.push(name)
      removeAtExit(name)
      // each pair made with its far end already in the namespace
      await ip('link', 'add', rootR, 'type', 'veth', 'peer', 'name', 'redis', 'netns', name)
      await ip('link', 'add', rootC, 'type', 'veth', 'peer', 'name', 'client', 'netns', name)
      await ip('addr', 'add', `${a(1)}/30`, 'dev', rootR)
      await ip('addr', 'add', `${a(5)}/30`, 'dev', rootC)
      await ip('link', 'set', rootR, 'up')
      await ip('link', 'set', rootC, 'up')
      await ip('-n', name, 'addr', 'add', `${a(2)}/30`, 'dev', 'redis')
      await ip('-n', name, 'addr', 'add', `${a(6)}/30`, 'dev', 'client')
      for (const dev of ['lo', 'redis', 'client']) await ip('-n', name, 'link', 'set', dev, 'up')
      let cut = false
      nodes.push({
        name,
        host: a(6),
        redisHost: a(1),
        get cut () { return cut },
        async block () { await ip('link', 'set', rootR, 'down'); cut = true },
        async unblock () { await ip('link', 'set', rootR, 'up'); cut = false }
      })
    }
  } catch (err) {
    await remove()
    const e = err as { stderr?: string, message: string }
    return { unavailable: `ip: ${(e.stderr ?? e.message).trim().split('\n')[0]}` }
  }
  return { nodes, redisHosts: nodes.map((n) => n.redisHost), remove }
}
