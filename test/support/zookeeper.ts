import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fourLetterWord } from './fourlw'
import { freePort } from './ports'
import { forgetTempDir, hasExited, logTail, removeAtExit, sleep, terminate, track } from './proc'

/**
 * Launches a REAL Apache ZooKeeper 3.8 standalone server from the Debian
 * packages, so every suite can check its expectations against the reference
 * implementation before holding redkeeper to them.
 */

export interface ZooKeeperOptions {
  tickTime?: number
  /** Extra zoo.cfg lines; they override the defaults below. */
  config?: Record<string, string>
  /** Reuse an existing data dir (used by restart()); a fresh temp dir otherwise. */
  dataDir?: string
  /** Fixed client port (used by restart()); a free one otherwise. */
  port?: number
  /** Extra JVM flags (system properties such as -Djava.security.auth.login.config=…), before the main class. */
  jvmFlags?: string[]
  /** Extra jars after ours (e.g. NETTY_CODEC_JARS for NettyServerCnxnFactory and the secure port). */
  classpath?: string[]
}

export interface ZooKeeperHandle {
  host: string
  port: number
  /** "127.0.0.1:port" */
  address: string
  dataDir: string
  pid: number
  /** Graceful shutdown, then removes the temp dir. */
  stop(): Promise<void>
  /** SIGKILL and wait; keeps the data dir so restart() can recover from it. */
  kill(): Promise<void>
  /** Starts a new server on the same data dir and port (after kill() or on a live one). */
  restart(): Promise<ZooKeeperHandle>
}

const JAVA_DIR = '/usr/share/java'
// zookeeper.jar's manifest Class-Path pulls in jute, netty, metrics, snappy,
// commons-*, slf4j-api. It carries no slf4j binding, so add slf4j-simple: the
// server then logs to stderr, which we send to a file.
const CLASSPATH = [`${JAVA_DIR}/zookeeper.jar`, `${JAVA_DIR}/slf4j-simple.jar`].join(':')

/**
 * Netty jars Debian's zookeeper.jar manifest leaves out of its Class-Path
 * (Apache's tarball ships them in lib/): NettyServerCnxnFactory and
 * ClientCnxnSocketNetty, hence the secure client port, need them.
 */
export const NETTY_CODEC_JARS = [`${JAVA_DIR}/netty-codec.jar`, `${JAVA_DIR}/netty-resolver.jar`]
const MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain'
const READY_TIMEOUT_MS = 30_000

export function startZooKeeper (opts: ZooKeeperOptions = {}): Promise<ZooKeeperHandle> {
  // A dir we created is ours to delete on stop(); a caller's dir is not.
  return launch(opts, opts.dataDir === undefined)
}

async function launch (opts: ZooKeeperOptions, ownsDir: boolean): Promise<ZooKeeperHandle> {
  if (!existsSync(`${JAVA_DIR}/zookeeper.jar`)) {
    throw new Error(`startZooKeeper: ${JAVA_DIR}/zookeeper.jar is missing; run scripts/install-deps.sh`)
  }
  const host = '127.0.0.1'
  const port = opts.port ?? await freePort()
  const root = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rk-zookeeper-'))
  const dataDir = root
  const snapDir = join(root, 'data')
  mkdirSync(snapDir, { recursive: true })

  const cfg: Record<string, string> = {
    tickTime: String(opts.tickTime ?? 2000),
    dataDir: snapDir,
    clientPort: String(port),
    clientPortAddress: host,
    maxClientCnxns: '0',
    'admin.enableServer': 'false',
    '4lw.commands.whitelist': '*',
    ...opts.config
  }
  const cfgFile = join(root, 'zoo.cfg')
  writeFileSync(cfgFile, Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')

  const logFile = join(root, 'zookeeper.log')
  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn('java', [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      // Cheaper JIT: these servers live for seconds, startup time dominates.
      '-XX:TieredStopAtLevel=1',
      '-Dzookeeper.admin.enableServer=false',
      '-Dzookeeper.jmx.log4j.disable=true',
      // Small txn-log preallocation: many servers share one tmpfs/disk.
      '-Dzookeeper.preAllocSize=4096',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      ...(opts.jvmFlags ?? []),
      '-cp', [CLASSPATH, ...(opts.classpath ?? [])].join(':'),
      MAIN, cfgFile
    ], { stdio: ['ignore', fd, fd], cwd: root })
  } finally {
    closeSync(fd)
  }
  track(child)
  const pid = child.pid
  if (pid === undefined) throw new Error(`startZooKeeper: could not spawn java\n${logTail(logFile)}`)

  if (ownsDir) removeAtExit(root)
  const removeDir = (): void => {
    if (!ownsDir) return
    rmSync(root, { recursive: true, force: true })
    forgetTempDir(root)
  }

  try {
    await waitForImok(child, host, port, logFile)
  } catch (err) {
    await terminate(child, 'SIGKILL')
    removeDir()
    throw err
  }

  const handle: ZooKeeperHandle = {
    host,
    port,
    address: `${host}:${port}`,
    dataDir,
    pid,
    async stop () {
      await terminate(child, 'SIGTERM')
      removeDir()
    },
    async kill () {
      await terminate(child, 'SIGKILL')
    },
    async restart () {
      await terminate(child, 'SIGKILL')
      return launch({ ...opts, dataDir: root, port }, ownsDir)
    }
  }
  return handle
}

async function waitForImok (child: ChildProcess, host: string, port: number, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = ''
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      throw new Error(`startZooKeeper: java exited (code ${child.exitCode}, signal ${child.signalCode}) before answering ruok\n--- ${logFile} ---\n${logTail(logFile)}`)
    }
    try {
      // ruok answers imok as soon as the listener is up, before the database
      // is loaded; srvr tells us when requests are actually being served.
      // (a config whose 4lw.commands.whitelist leaves ruok out gets the
      // refusal line instead; srvr is always enabled)
      const answer = await fourLetterWord(host, port, 'ruok', 2000)
      if (answer === 'imok' || answer === 'ruok is not executed because it is not in the whitelist.\n') {
        const srvr = await fourLetterWord(host, port, 'srvr', 2000)
        if (srvr.startsWith('Zookeeper version')) return
        last = `srvr answered ${JSON.stringify(srvr.slice(0, 80))}`
      } else {
        last = `ruok answered ${JSON.stringify(answer)}`
      }
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(150)
  }
  throw new Error(`startZooKeeper: no imok from ${host}:${port} within ${READY_TIMEOUT_MS} ms (last: ${last})\n--- ${logFile} ---\n${logTail(logFile)}`)
}
