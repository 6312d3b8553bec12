// One end of a transfer: a ZooKeeper-protocol server, seen through an
// optional chroot, on one session that carries many requests in flight.
// ZooKeeper answers a session's requests in the order it sent them, which
// is what lets the reader and writer pipeline without losing ordering.

import { Err, OpCode } from '../engine/codes'
import { ZkClient, type Reply } from '../client'
import type { WireRequest } from '../protocol'
import { TransferError } from './errors'

export interface Address {
  /** "host:port" */
  hostPort: string
  /** "/" or "/a/b": the znode the transfer sees as its root */
  chroot: string
}

/** Parses "zk://host:port[/chroot]" or "host:port[/chroot]"; throws a one-line reason. */
export function parseTarget (raw: string): Address {
  const s = raw.startsWith('zk://') ? raw.slice(5) : raw
  const slash = s.indexOf('/')
  const hostPort = slash < 0 ? s : s.slice(0, slash)
  let chroot = slash < 0 ? '/' : s.slice(slash)
  if (chroot.length > 1 && chroot.endsWith('/')) chroot = chroot.slice(0, -1)
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):\d{1,5}$/.test(hostPort) || Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)) > 65535) {
    throw new TransferError(`'${raw}' is not a ZooKeeper address (zk://host:port[/chroot] or host:port[/chroot])`)
  }
  if (chroot.includes('//') || chroot.includes('\0')) throw new TransferError(`'${chroot}' is not a valid chroot path`)
  return { hostPort, chroot }
}

export function formatAddress (a: Address): string {
  return `zk://${a.hostPort}${a.chroot === '/' ? '/' : a.chroot}`
}

/** "scheme:credentials", as zkCli's addauth takes it; digest's credentials are "user:password". */
export interface AuthSpec { scheme: string, credentials: string }

export function parseAuth (raw: string): AuthSpec {
  const i = raw.indexOf(':')
  if (i <= 0 || i === raw.length - 1) throw new TransferError(`'${raw}' is not scheme:credentials (e.g. digest:user:password)`)
  return { scheme: raw.slice(0, i), credentials: raw.slice(i + 1) }
}

export const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

export class Endpoint {
  private constructor (readonly address: Address, readonly client: ZkClient) {}

  /** Connects, authenticates and checks that the chroot exists (or, with `createChroot`, creates it and its ancestors: persistent, empty, open ACL). */
  static async open (address: Address, auth: AuthSpec | undefined, role: string, createChroot = false): Promise<Endpoint> {
    let client: ZkClient
    try {
      client = await ZkClient.connect(address.hostPort, { timeout: 30000, connectTimeout: 10000 })
    } catch (err) {
      throw new TransferError(`${role}: ${(err as Error).message}`)
    }
    const ep = new Endpoint(address, client)
    try {
      if (auth !== undefined) {
        const r = await client.auth(auth.scheme, Buffer.from(auth.credentials, 'utf8'))
        if (r.err !== Err.OK) throw new TransferError(`${role}: ${formatAddress(address)} refused the credentials for scheme '${auth.scheme}' (${errName(r.err)})`)
      }
      if (createChroot) await ep.makeChroot()
      const root = await client.request({ type: OpCode.exists, path: address.chroot, watch: false })
      if (root.err === Err.NONODE) throw new TransferError(`${role}: the chroot ${address.chroot} does not exist on ${address.hostPort}`)
      ep.check(root, 'exists', '/')
    } catch (err) {
      ep.client.destroy()
      throw err
    }
    return ep
  }

  private async makeChroot (): Promise<void> {
    const parts = this.address.chroot.split('/').filter((p) => p !== '')
    let path = ''
    for (const part of parts) {
      path += '/' + part
      const r = await this.send({ type: OpCode.create, path, data: Buffer.alloc(0), dataLength: 0, acl: OPEN_ACL, flags: 0 })
      if (r.err !== Err.NODEEXISTS) this.check(r, 'create the chroot', path)
    }
  }

  /** The server's path for a path relative to the chroot. */
  wire (path: string): string {
    if (this.address.chroot === '/') return path
    return path === '/' ? this.address.chroot : this.address.chroot + path
  }

  /** Sends one request; a lost connection becomes a TransferError naming the server. */
  async send (req: WireRequest): Promise<Reply> {
    try {
      return await this.client.request(req)
    } catch (err) {
      throw new TransferError(`lost the connection to ${this.address.hostPort}: ${(err as Error).message}`)
    }
  }

  /** Throws a one-line TransferError unless the reply is OK. */
  check (r: Reply, what: string, path: string): Reply {
    if (r.err === Err.OK) return r
    throw new TransferError(`${what} ${path} on ${this.address.hostPort} failed: ${errName(r.err)}${hint(r.err)}`)
  }

  async close (): Promise<void> {
    if (this.client.closed) return
    try {
      await this.client.close()
    } catch {
      this.client.destroy()
    }
  }
}

export function errName (code: number): string {
  const name = (Err as unknown as Record<number, string | undefined>)[code]
  return name === undefined ? `error ${code}` : `${name} (${code})`
}

function hint (code: number): string {
  if (code === Err.NOAUTH) return ' (the session lacks the permission: pass --auth digest:user:password for an identity the ACL allows, e.g. the super user)'
  return ''
}
