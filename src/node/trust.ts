// Which WebSocket peers may say where their ZooKeeper client is (the client
// origin of CONNECT / RESUME, docs/protocol.md). The claimed address becomes
// the connection's `ip:` identity, which ip ACLs grant on, so a node believes
// it only from peers the operator vouches for: by default the loopback
// addresses (a sidecar or load balancer on the node's own host), else the
// peer's own address is the client's, as ZooKeeper would see it.

import { BlockList, isIP } from 'node:net'

export class TrustSpecError extends Error {
  override name = 'TrustSpecError'
}

/** The default: peers on the node's own host. */
export const DEFAULT_TRUST = 'loopback'

export interface PeerTrust {
  /** true if `peer` (a normalized IP text) may claim its client's address */
  trusts(peer: string): boolean
  /** as given, for logs */
  readonly spec: string
}

/**
 * `none`, `all`, or a comma-separated list of `loopback`, addresses and
 * CIDR subnets (`10.1.0.0/16`, `fd00::/8`).
 */
export function parseTrust (spec: string): PeerTrust {
  const items = spec.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) throw new TrustSpecError('empty (expected none, all, loopback, or addresses and CIDR subnets)')
  if (items.length === 1 && items[0] === 'none') return { spec, trusts: () => false }
  if (items.length === 1 && items[0] === 'all') return { spec, trusts: () => true }
  const list = new BlockList()
  for (const item of items) add(list, item)
  return {
    spec,
    trusts: (peer) => {
      const family = isIP(peer)
      return family !== 0 && list.check(peer, family === 4 ? 'ipv4' : 'ipv6')
    }
  }
}

function add (list: BlockList, item: string): void {
  if (item === 'loopback') {
    list.addSubnet('127.0.0.0', 8, 'ipv4')
    list.addAddress('::1', 'ipv6')
    return
  }
  if (item === 'none' || item === 'all') throw new TrustSpecError(`'${item}' cannot be combined with other entries`)
  const slash = item.indexOf('/')
  const address = slash === -1 ? item : item.substring(0, slash)
  const family = isIP(address)
  if (family === 0) throw new TrustSpecError(`'${item}' is not an IP address or CIDR subnet`)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (slash === -1) {
    list.addAddress(address, type)
    return
  }
  const bitsText = item.substring(slash + 1)
  const bits = Number(bitsText)
  if (!/^\d{1,3}$/.test(bitsText) || bits > (family === 4 ? 32 : 128)) throw new TrustSpecError(`'${item}': bad prefix length`)
  list.addSubnet(address, bits, type)
}
