/**
 * A small promise-and-types facade over node-zookeeper-client (a widely used
 * pure-JS client that ships no types). Only what the suites use is exposed;
 * errors keep the library's numeric `code` (ZooKeeper's error numbers).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('node-zookeeper-client') as NzcModule

export interface ZkStat {
  czxid: Buffer
  mzxid: Buffer
  ctime: Buffer
  mtime: Buffer
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: Buffer
  dataLength: number
  numChildren: number
  pzxid: Buffer
}

export interface ZkEvent {
  type: number
  name: string
  path: string
}

export interface ZkError extends Error {
  code: number
}

export interface MultiResult {
  type: number
  path?: string
  stat?: ZkStat
  err?: number
}

/** node-zookeeper-client's Event types (ZooKeeper's EventType numbers). */
export const EVENT = { NODE_CREATED: 1, NODE_DELETED: 2, NODE_DATA_CHANGED: 3, NODE_CHILDREN_CHANGED: 4 } as const
export const MODE = { PERSISTENT: 0, EPHEMERAL: 1, PERSISTENT_SEQUENTIAL: 2, EPHEMERAL_SEQUENTIAL: 3 } as const

type Cb<T extends unknown[]> = (err: ZkError | null, ...rest: T) => void
type Watcher = (event: ZkEvent) => void

interface NzcTransaction {
  create(path: string, data?: Buffer, mode?: number): NzcTransaction
  setData(path: string, data: Buffer, version?: number): NzcTransaction
  check(path: string, version: number): NzcTransaction
  remove(path: string, version?: number): NzcTransaction
  commit(cb: Cb<[MultiResult[]]>): void
}

interface NzcClient {
  connect(): void
  close(): void
  once(event: 'connected' | 'disconnected' | 'expired', listener: () => void): void
  on(event: 'state', listener: (state: { name: string, code: number }) => void): void
  removeListener(event: string, listener: (...a: unknown[]) => void): void
  getSessionId(): Buffer
  getSessionPassword(): Buffer
  getSessionTimeout(): number
  getState(): { name: string, code: number }
  create(path: string, ...args: unknown[]): void
  remove(path: string, version: number, cb: Cb<[]>): void
  setData(path: string, data: Buffer | null, version: number, cb: Cb<[ZkStat]>): void
  getData(path: string, ...args: unknown[]): void
  /** Library internals, used only by abandon(). */
  connectionManager: { setState(state: unknown): void, socket?: { destroy(): void } }
  exists(path: string, ...args: unknown[]): void
  getChildren(path: string, ...args: unknown[]): void
  transaction(): NzcTransaction
}

const STATES = (require('node-zookeeper-client/lib/ConnectionManager') as { STATES: Record<string, unknown> }).STATES

interface NzcModule {
  createClient(connectionString: string, options?: Record<string, unknown>): NzcClient
}

export interface ConnectOptions {
  sessionTimeout?: number
  /** Resume an existing session (id and password from an earlier client). */
  sessionId?: Buffer
  sessionPassword?: Buffer
  /** How long to wait for the first connection. */
  timeoutMs?: number
}

function settle<T extends unknown[], R> (resolve: (v: R) => void, reject: (e: ZkError) => void, pick: (...rest: T) => R): Cb<T> {
  return (err, ...rest) => (err !== null && err !== undefined ? reject(err) : resolve(pick(...rest)))
}

export class NodeZk {
  readonly raw: NzcClient

  private constructor (raw: NzcClient) {
    this.raw = raw
  }

  static connect (address: string, opts: ConnectOptions = {}): Promise<NodeZk> {
    const raw = lib.createClient(address, {
      sessionTimeout: opts.sessionTimeout ?? 30_000,
      spinDelay: 100,
      retries: 0,
      ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId, sessionPassword: opts.sessionPassword } : {})
    })
    const timeoutMs = opts.timeoutMs ?? 20_000
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        raw.close()
        reject(new Error(`NodeZk: not connected to ${address} within ${timeoutMs} ms`))
      }, timeoutMs)
      raw.once('connected', () => {
        clearTimeout(timer)
        resolve(new NodeZk(raw))
      })
      raw.once('expired', () => {
        clearTimeout(timer)
        reject(Object.assign(new Error(`NodeZk: session expired while connecting to ${address}`), { code: -112 }))
      })
      raw.connect()
    })
  }

  get sessionId (): Buffer { return this.raw.getSessionId() }
  get sessionIdHex (): string { return this.raw.getSessionId().toString('hex') }
  get sessionPassword (): Buffer { return this.raw.getSessionPassword() }
  get sessionTimeout (): number { return this.raw.getSessionTimeout() }

  create (path: string, data: Buffer | null = null, mode: number = MODE.PERSISTENT): Promise<string> {
    return new Promise((resolve, reject) => {
      const args: unknown[] = data === null ? [mode] : [data, mode]
      this.raw.create(path, ...args, settle<[string], string>(resolve, reject, (p) => p))
    })
  }

  remove (path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => this.raw.remove(path, version, settle<[], void>(resolve, reject, () => undefined)))
  }

  setData (path: string, data: Buffer | null, version = -1): Promise<ZkStat> {
    return new Promise((resolve, reject) => this.raw.setData(path, data, version, settle<[ZkStat], ZkStat>(resolve, reject, (s) => s)))
  }

  getData (path: string, watcher?: Watcher): Promise<{ data: Buffer | null, stat: ZkStat }> {
    return new Promise((resolve, reject) => {
      // The library reports null data as undefined; ZooKeeper calls it null.
      const cb = settle<[Buffer | null | undefined, ZkStat], { data: Buffer | null, stat: ZkStat }>(resolve, reject, (data, stat) => ({ data: data ?? null, stat }))
      if (watcher !== undefined) this.raw.getData(path, watcher, cb)
      else this.raw.getData(path, cb)
    })
  }

  /** null when the node does not exist. */
  exists (path: string, watcher?: Watcher): Promise<ZkStat | null> {
    return new Promise((resolve, reject) => {
      const cb = settle<[ZkStat | null], ZkStat | null>(resolve, reject, (stat) => stat ?? null)
      if (watcher !== undefined) this.raw.exists(path, watcher, cb)
      else this.raw.exists(path, cb)
    })
  }

  getChildren (path: string, watcher?: Watcher): Promise<{ children: string[], stat: ZkStat }> {
    return new Promise((resolve, reject) => {
      const cb = settle<[string[], ZkStat], { children: string[], stat: ZkStat }>(resolve, reject, (children, stat) => ({ children, stat }))
      if (watcher !== undefined) this.raw.getChildren(path, watcher, cb)
      else this.raw.getChildren(path, cb)
    })
  }

  /**
   * Runs a multi. On failure the error carries `results`, the per-op
   * outcome list the server sent back.
   */
  multi (build: (tx: NzcTransaction) => NzcTransaction): Promise<MultiResult[]> {
    return new Promise((resolve, reject) => {
      build(this.raw.transaction()).commit((err, results) => {
        if (err !== null && err !== undefined) reject(Object.assign(err, { results }))
        else resolve(results)
      })
    })
  }

  /**
   * Drops the TCP connection WITHOUT closing the session, as a crashed
   * client would, and stops the library from reconnecting (it would
   * otherwise take the session back from whoever resumed it). The library
   * only skips the reconnect when it believes it is closing.
   */
  abandon (): void {
    this.raw.connectionManager.setState(STATES.CLOSING)
    this.raw.connectionManager.socket?.destroy()
  }

  /** Closes the session (closeSession) and waits for the socket to go. */
  close (timeoutMs = 10_000): Promise<void> {
    const state = this.raw.getState().name
    if (state === 'DISCONNECTED' || state === 'EXPIRED') {
      this.raw.close()
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.raw.once('disconnected', () => { clearTimeout(timer); resolve() })
      this.raw.close()
    })
  }
}

/** Resolves with the ZooKeeper error code of a failed call (0 if it succeeded). */
export async function codeOf (p: Promise<unknown>): Promise<number> {
  try {
    await p
    return 0
  } catch (err) {
    const code = (err as Partial<ZkError>).code
    if (typeof code !== 'number') throw err
    return code
  }
}

/** A watcher that resolves with the first event it receives. */
export function nextEvent (): { watcher: Watcher, event: Promise<ZkEvent> } {
  let watcher!: Watcher
  const event = new Promise<ZkEvent>((resolve) => { watcher = resolve })
  return { watcher, event }
}
