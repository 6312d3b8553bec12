import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startHaproxy, type HaproxyHandle } from './haproxy'
import { BIN, ensureBuilt, httpGet, pinoReady, readLogFrom, spawnLogged, waitReady, type Spawned } from './launch'
import { hasExited, removeAtExit, terminate } from './proc'
import { startRedis, type RedisHandle, type RedisOptions } from './redis'
import { startRedkeeper, type RedkeeperHandle } from './redkeeper'

export { startHaproxy, haproxyTlsOptions, type HaproxyHandle } from './haproxy'
export { startRedis, type RedisHandle, type RedisOptions } from './redis'

/**
 * The distributed deployment, as real processes on loopback:
 *
 *   ZooKeeper client → sidecar → [haproxy →] node × N → redis-server
 *
 * `startTopology(kind)` builds one of the shapes the suites run against and
 * returns the ZooKeeper address a client connects to; the handles let a test
 * kill -9, SIGSTOP or restart any piece.
 */

export interface NodeOptions {
  tickMs?: number
  namespace?: string
  /** fixed HTTP port (restart() reuses the previous one); 0 = free port */
  httpPort?: number
  /** extra CLI arguments, after ours */
  args?: string[]
  env?: Record<string, string>
  /** serve HTTPS/wss with these PEM files (--http-tls-key/--http-tls-cert); `ca` is what the readiness check trusts */
  https?: { key: string, cert: string, ca: string }
  /** run the node inside this network namespace (`ip netns exec`), listening on `host` there (test/faults/netns.ts) */
  netns?: { name: string, host: string }
}

export interface NodeHandle {
  /** ws://127.0.0.1:port (a sidecar's --upstream) */
  readonly url: string
  readonly httpPort: number
  /** "127.0.0.1:port" (a haproxy backend) */
  readonly hostPort: string
  /** the current process (changes with restart) */
  readonly pid: number
  readonly logFile: string
  readonly running: boolean
  /** the last process's exit code: null while it runs, or if a signal ended it */
  readonly exitCode: number | null
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>
  /** Sends a signal as is (SIGSTOP, SIGCONT) without waiting. */
  signal(sig: NodeJS.Signals): void
  /** Kills the node if it runs, then starts it again on the same HTTP port; resolves when it is ready. */
  restart(): Promise<NodeHandle>
}

export interface SidecarOptions {
  args?: string[]
  env?: Record<string, string>
  /** Node flags of the sidecar process (before the script); default SIDECAR_NODE_ARGS */
  nodeArgs?: readonly string[]
}

/**
 * The Node flags a sidecar runs with here, as docs/operations.md tells
 * operators to (NODE_OPTIONS; infra/ does). V8 grows its young generation
 * with the allocation rate, up to 32 MiB by default, and keeps it while the
 * load lasts: that, not a leak, made a sidecar's RSS climb with the soak's
 * throughput. Capped at 2 MiB it costs no measurable CPU per request
 * (bench/sidecar-memory.ts).
 */
export const SIDECAR_NODE_ARGS: readonly string[] = ['--max-semi-space-size=1']

export interface SidecarHandle {
  /** "127.0.0.1:port": the ZooKeeper connect string */
  readonly address: string
  readonly host: string
  readonly port: number
  /** the TLS client port, when started with --secure-zk-port */
  readonly secureZkPort?: number
  readonly pid: number
  readonly logFile: string
  stop(): Promise<void>
  kill9(): Promise<void>
  signal(sig: NodeJS.Signals): void
}

export type TopologyKind = 'embedded' | 'node1' | 'lb3'

export interface TopologyOptions {
  /** node tick (and the embedded server's); default: the server's own default (2000 ms) */
  tickMs?: number
  redis?: RedisOptions
  node?: Omit<NodeOptions, 'tickMs'>
  sidecar?: SidecarOptions
}

export interface Topology {
  kind: TopologyKind
  /** "127.0.0.1:port": where ZooKeeper clients connect */
  address: string
  host: string
  port: number
  redis?: RedisHandle
  nodes: NodeHandle[]
  haproxy?: HaproxyHandle
  sidecar?: SidecarHandle
  embedded?: RedkeeperHandle
  /** Stops every process (sidecar first, Redis last); temp dirs go at exit. */
  stop(): Promise<void>
}

const HOST = '127.0.0.1'

export async function startNode (redisUrl: string, opts: NodeOptions = {}): Promise<NodeHandle> {
  await ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'rk-node-'))
  removeAtExit(dir)
  const node = new NodeProcess(redisUrl, opts, join(dir, 'node.log'))
  await node.launch(opts.httpPort ?? 0)
  return node
}

class NodeProcess implements NodeHandle {
  private proc: Spawned | undefined
  private port = 0

  constructor (private readonly redisUrl: string, private readonly opts: NodeOptions, readonly logFile: string) {}

  private get host (): string { return this.opts.netns?.host ?? HOST }
  get url (): string { return `${this.opts.https === undefined ? 'ws' : 'wss'}://${this.host}:${this.port}` }
  get httpPort (): number { return this.port }
  get hostPort (): string { return `${this.host}:${this.port}` }
  get pid (): number { return mustRun(this.proc, 'node').pid }
  get running (): boolean { return this.proc !== undefined && !hasExited(this.proc.child) }
  get exitCode (): number | null { return this.proc?.child.exitCode ?? null }

  async launch (httpPort: number): Promise<void> {
    const args = [
      BIN, 'node',
      '--redis', this.redisUrl,
      '--http-port', String(httpPort),
      '--host', this.host,
      ...(this.opts.tickMs !== undefined ? ['--tick-ms', String(this.opts.tickMs)] : []),
      ...(this.opts.namespace !== undefined ? ['--namespace', this.opts.namespace] : []),
      ...(this.opts.https !== undefined ? ['--http-tls-key', this.opts.https.key, '--http-tls-cert', this.opts.https.cert] : []),
      ...(this.opts.args ?? [])
    ]
    // every four-letter word, as startZooKeeper enables them; opts.env can unset it ('')
    const env = { ...process.env, REDKEEPER_4LW_WHITELIST: '*', ...this.opts.env }
    // `ip netns exec` execs the command: the child's pid is the node's, signals reach it as they are
    const ns = this.opts.netns
    const proc = ns === undefined
      ? spawnLogged('redkeeper node', process.execPath, args, this.logFile, env)
      : spawnLogged('redkeeper node', 'ip', ['netns', 'exec', ns.name, process.execPath, ...args], this.logFile, env)
    this.proc = proc
    const ready = await waitReady('redkeeper node', proc, this.logFile, () => pinoReady(readLogFrom(this.logFile, proc.offset), 'httpPort'))
    this.port = ready.httpPort as number
    // "ready" is logged when it listens; haproxy needs /readyz too.
    await waitReady('redkeeper node', proc, this.logFile, async () => (await httpGet(this.port, '/readyz', 2000, this.opts.https === undefined ? undefined : readFileSync(this.opts.https.ca), this.host))?.status === 200 ? true : null)
  }

  async stop (): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGTERM')
  }

  async kill9 (): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGKILL')
  }

  signal (sig: NodeJS.Signals): void {
    mustRun(this.proc, 'node').child.kill(sig)
  }

  async restart (): Promise<NodeHandle> {
    await this.kill9()
    await this.launch(this.port)
    return this
  }
}

export async function startSidecar (upstreams: string[], opts: SidecarOptions = {}): Promise<SidecarHandle> {
  await ensureBuilt()
  if (upstreams.length === 0) throw new Error('startSidecar: no upstreams')
  const dir = mkdtempSync(join(tmpdir(), 'rk-sidecar-'))
  removeAtExit(dir)
  const logFile = join(dir, 'sidecar.log')
  const args = [...(opts.nodeArgs ?? SIDECAR_NODE_ARGS), BIN, 'sidecar', '--upstream', upstreams.join(','), '--zk-port', '0', '--host', HOST, ...(opts.args ?? [])]
  // no per-address connection limit unless a test sets one, as startZooKeeper's maxClientCnxns=0
  const proc = spawnLogged('redkeeper sidecar', process.execPath, args, logFile, { ...process.env, REDKEEPER_MAX_CLIENT_CNXNS: '0', ...opts.env })
  const ready = await waitReady('redkeeper sidecar', proc, logFile, () => pinoReady(readLogFrom(logFile, proc.offset), 'zkPort'))
  const port = ready.zkPort as number
  return {
    address: `${HOST}:${port}`,
    host: HOST,
    port,
    ...(typeof ready.secureZkPort === 'number' ? { secureZkPort: ready.secureZkPort } : {}),
    pid: proc.pid,
    logFile,
    stop: () => terminate(proc.child, 'SIGTERM'),
    kill9: () => terminate(proc.child, 'SIGKILL'),
    signal: (sig) => { proc.child.kill(sig) }
  }
}

/**
 * embedded: `redkeeper start` (the single-process server);
 * node1: redis → 1 node → sidecar;
 * lb3: redis → 3 nodes → haproxy → sidecar.
 */
export async function startTopology (kind: TopologyKind, opts: TopologyOptions = {}): Promise<Topology> {
  if (kind === 'embedded') {
    const rk = await startRedkeeper(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {})
    return { kind, address: rk.address, host: rk.host, port: rk.port, nodes: [], embedded: rk, stop: () => rk.destroy() }
  }
  const started: Array<{ stop(): Promise<void> }> = []
  const stopAll = async (): Promise<void> => {
    // Reverse order: clients' side first, Redis last, so no node logs a
    // storm of Redis errors on the way down.
    for (const p of started.reverse()) await p.stop()
  }
  try {
    const redis = await startRedis(opts.redis)
    started.push(redis)
    const nodeOpts: NodeOptions = { ...opts.node, ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}) }
    const count = kind === 'lb3' ? 3 : 1
    const nodes = await Promise.all(Array.from({ length: count }, () => startNode(redis.url, nodeOpts)))
    started.push(...nodes)
    let upstream = nodes[0].url
    let haproxy: HaproxyHandle | undefined
    if (kind === 'lb3') {
      // HTTPS nodes: haproxy terminates wss with the nodes' certificate and re-encrypts to them
      haproxy = await startHaproxy(nodes.map((n) => n.hostPort), nodeOpts.https === undefined ? {} : { tls: { pem: keyAndCert(nodeOpts.https), ca: nodeOpts.https.ca } })
      started.push(haproxy)
      await haproxy.waitForServers('UP')
      upstream = haproxy.url
    }
    // wss upstreams signed by the test CA: the sidecar trusts it (a test's own args come after, and win)
    const sidecarOpts: SidecarOptions = nodeOpts.https === undefined ? { ...opts.sidecar } : { ...opts.sidecar, args: ['--upstream-ca', nodeOpts.https.ca, ...(opts.sidecar?.args ?? [])] }
    const sidecar = await startSidecar([upstream], sidecarOpts)
    started.push(sidecar)
    const topo: Topology = { kind, address: sidecar.address, host: sidecar.host, port: sidecar.port, redis, nodes, sidecar, stop: stopAll }
    if (haproxy !== undefined) topo.haproxy = haproxy
    return topo
  } catch (err) {
    await stopAll()
    throw err
  }
}

/** haproxy's `crt` wants key and certificate in one file. */
function keyAndCert (https: { key: string, cert: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rk-haproxy-tls-'))
  removeAtExit(dir)
  const file = join(dir, 'haproxy.pem')
  writeFileSync(file, Buffer.concat([readFileSync(https.key), readFileSync(https.cert)]), { mode: 0o600 })
  return file
}

function mustRun (proc: Spawned | undefined, what: string): Spawned {
  if (proc === undefined) throw new Error(`${what} was never started`)
  return proc
}
