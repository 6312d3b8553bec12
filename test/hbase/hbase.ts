import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../support/ports'
import { hasExited, logTail, terminate } from '../support/proc'
import { spawnLogged, type Spawned } from '../support/launch'
import { REPO_ROOT } from '../support/redkeeper'

/**
 * Real HBase JVMs (HMaster, HRegionServer) from the Maven-fetched -hadoop3
 * artifacts, in distributed mode on the local filesystem, plus the HBaseCheck
 * client program. HBase's own code and settings are untouched except the
 * ZooKeeper quorum/port and what the local machine needs (ports, hostnames,
 * no web UI, local-FS capability check off).
 */

export interface HBaseKit {
  cacheDir: string
  classpath: string
  /** where HBaseCheck.class is compiled */
  classesDir: string
}

const JDK17_FLAGS = [
  '-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true',
  '--add-modules', 'jdk.unsupported',
  '--add-opens', 'java.base/java.io=ALL-UNNAMED',
  '--add-opens', 'java.base/java.nio=ALL-UNNAMED',
  '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports', 'java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '--add-exports', 'java.base/sun.net.dns=ALL-UNNAMED',
  '--add-exports', 'java.base/sun.net.util=ALL-UNNAMED'
]

// Small, quick JVMs: the machine has 2 cores and runs 4 HBase JVMs plus
// ZooKeeper or redkeeper; C1 only keeps JIT threads from starving them.
const JVM_FLAGS = ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.net.preferIPv4Stack=true', ...JDK17_FLAGS]

/** Runs scripts/hbase/fetch.sh (cached after the first run) and compiles HBaseCheck when it is newer than its class. */
export function prepareHBase (): HBaseKit {
  const cacheDir = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'hbase', 'fetch.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
  const classpath = readFileSync(join(cacheDir, 'classpath.txt'), 'utf8').trim()
  const classesDir = join(cacheDir, 'classes')
  const src = join(__dirname, 'HBaseCheck.java')
  const cls = join(classesDir, 'HBaseCheck.class')
  if (!existsSync(cls) || statSync(cls).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(classesDir, { recursive: true })
    execFileSync('javac', ['-nowarn', '-d', classesDir, '-cp', classpath, src], { stdio: ['ignore', 'inherit', 'inherit'] })
  }
  return { cacheDir, classpath, classesDir }
}

export type Role = 'master' | 'regionserver'

const MAIN: Record<Role, string> = {
  master: 'org.apache.hadoop.hbase.master.HMaster',
  regionserver: 'org.apache.hadoop.hbase.regionserver.HRegionServer'
}

export interface JvmSpec {
  role: Role
  label: string
  /** "127.0.0.1:port" of this JVM's ZooKeeper (a sidecar, or the control ZooKeeper) */
  zk: string
  /** shared by the whole cluster: hbase.rootdir lives under it */
  clusterDir: string
  sessionTimeoutMs: number
}

export class HBaseJvm {
  readonly logFile: string
  port = 0
  private proc: Spawned | undefined

  constructor (private readonly kit: HBaseKit, readonly spec: JvmSpec) {
    this.logFile = join(spec.clusterDir, `${spec.label}.log`)
  }

  get pid (): number { return this.mustRun().pid }
  get running (): boolean { return this.proc !== undefined && !hasExited(this.proc.child) }
  /** host,port as in ServerName (the startcode is not known here) */
  get hostPort (): string { return `localhost,${this.port}` }

  async start (): Promise<void> {
    if (this.running) throw new Error(`${this.spec.label} is already running`)
    this.port = await freePort()
    const conf = this.writeConf()
    const args = [
      ...JVM_FLAGS,
      `-Dlog4j2.configurationFile=${join(conf, 'log4j2.properties')}`,
      `-Dhbase.log.dir=${this.spec.clusterDir}`,
      '-cp', `${conf}:${this.kit.classpath}`,
      MAIN[this.spec.role], 'start'
    ]
    this.proc = spawnLogged(`hbase ${this.spec.label}`, 'java', args, this.logFile)
  }

  async kill9 (): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGKILL')
  }

  /** Resolves true when the JVM exits within ms. */
  exitWithin (ms: number): Promise<boolean> {
    const p = this.proc
    if (p === undefined || hasExited(p.child)) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      p.child.once('exit', () => { clearTimeout(timer); resolve(true) })
    })
  }

  /** SIGTERM (HBase's shutdown hook stops it cleanly), SIGKILL after the grace. */
  async stop (graceMs = 30_000): Promise<void> {
    if (this.proc !== undefined) await terminate(this.proc.child, 'SIGTERM', graceMs)
  }

  /** The log written since the last start. */
  log (): string {
    if (this.proc === undefined || !existsSync(this.logFile)) return ''
    return readFileSync(this.logFile, 'utf8').slice(this.proc.offset)
  }

  tail (): string { return logTail(this.logFile) }

  private mustRun (): Spawned {
    if (this.proc === undefined) throw new Error(`${this.spec.label} was never started`)
    return this.proc
  }

  private writeConf (): string {
    const { clusterDir, label, zk, sessionTimeoutMs } = this.spec
    const conf = join(clusterDir, `conf-${label}`)
    mkdirSync(conf, { recursive: true })
    const colon = zk.lastIndexOf(':')
    const props: Record<string, string> = {
      'hbase.cluster.distributed': 'true',
      'hbase.rootdir': `file://${join(clusterDir, 'root')}`,
      'hbase.tmp.dir': join(clusterDir, `tmp-${label}`),
      'hbase.unsafe.stream.capability.enforce': 'false',
      'hbase.wal.provider': 'filesystem',
      // The only coordination settings: this JVM's own ZooKeeper endpoint.
      'hbase.zookeeper.quorum': zk.slice(0, colon),
      'hbase.zookeeper.property.clientPort': zk.slice(colon + 1),
      'zookeeper.znode.parent': '/hbase',
      'zookeeper.session.timeout': String(sessionTimeoutMs),
      'hbase.master.hostname': 'localhost',
      'hbase.unsafe.regionserver.hostname': 'localhost',
      'hbase.master.ipc.address': '127.0.0.1',
      'hbase.regionserver.ipc.address': '127.0.0.1',
      'hbase.master.port': String(this.port),
      'hbase.regionserver.port': String(this.port),
      'hbase.master.info.port': '-1',
      'hbase.regionserver.info.port': '-1',
      // Fewer threads for a 2-core machine.
      'hbase.regionserver.handler.count': '5',
      'hbase.regionserver.metahandler.count': '3',
      'hbase.hregion.memstore.flush.size': String(16 * 1024 * 1024)
    }
    const xml = ['<?xml version="1.0"?>', '<configuration>',
      ...Object.entries(props).map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`),
      '</configuration>', ''].join('\n')
    writeFileSync(join(conf, 'hbase-site.xml'), xml)
    writeFileSync(join(conf, 'log4j2.properties'), [
      'status = warn',
      'appender.console.type = Console',
      'appender.console.name = console',
      'appender.console.target = SYSTEM_OUT',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %.1000m%n',
      'rootLogger = INFO,console',
      // The ZooKeeper client's per-packet chatter is noise here.
      'logger.zk.name = org.apache.zookeeper',
      'logger.zk.level = INFO',
      ''
    ].join('\n'))
    return conf
  }
}

export interface CheckResult {
  ok: boolean
  error?: string
  [k: string]: unknown
}

/** Runs one HBaseCheck command against the cluster behind `zk`; never throws on a failed check (ok=false). */
export function hbaseCheck (kit: HBaseKit, zk: string, args: string[], timeoutMs = 180_000): Promise<CheckResult> {
  return new Promise((resolve) => {
    execFile('java', [
      ...JVM_FLAGS.filter((f) => f !== '-Xmx384m'), '-Xmx256m',
      // The client's own logging goes to stderr at WARN: stdout is the JSON line.
      '-Dlog4j2.level=WARN', '-Dlog4j2.configurationFile=', '-Dlog4j.configuration=',
      '-cp', `${kit.classesDir}:${kit.classpath}`, 'HBaseCheck', zk, ...args
    ], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()
      if (line !== undefined) {
        try { resolve(JSON.parse(line) as CheckResult); return } catch { /* fall through */ }
      }
      resolve({ ok: false, error: `HBaseCheck ${args.join(' ')}: ${err?.message ?? 'no JSON output'}\n${stderr.split('\n').slice(-15).join('\n')}` })
    })
  })
}
