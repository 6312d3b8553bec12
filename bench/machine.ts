// What the run ran on: printed by the harness and kept in the JSON and in
// docs/performance.md, since figures mean nothing without the machine.

import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'

export interface Machine {
  nproc: number
  cpuModel: string
  memoryGiB: number
  kernel: string
  node: string
  java: string
  redis: string
  zookeeper: string
  haproxy: string
  /** 1/5/15-minute load averages when the run started: other work on the machine */
  loadAverage: number[]
  commit: string
}

function tryRun (cmd: string, args: string[], pick: (out: string) => string): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return pick(out)
  } catch (e) {
    const err = e as { stderr?: string }
    return err.stderr !== undefined && err.stderr.length > 0 ? pick(err.stderr) : 'not found'
  }
}

function firstLine (s: string): string {
  return s.trim().split('\n')[0] ?? ''
}

export function describeMachine (repoRoot: string): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m !== null) cpuModel = m[1].trim()
  } catch {}
  return {
    nproc: cpus().length,
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: release(),
    node: process.version,
    java: firstLine(execJava()),
    redis: tryRun('redis-server', ['--version'], firstLine),
    zookeeper: tryRun('dpkg-query', ['-W', '-f', '${Version}', 'zookeeper'], (s) => `Debian zookeeper ${s.trim()}`),
    haproxy: tryRun('haproxy', ['-v'], firstLine),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: tryRun('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], (s) => s.trim())
  }
}

function execJava (): string {
  // `java -version` prints on stderr
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return r.error !== undefined ? 'java not found' : `${r.stderr}${r.stdout}`
}

export function machineLines (m: Machine): string[] {
  return [
    `- CPU: ${m.nproc} × ${m.cpuModel}; memory ${m.memoryGiB} GiB; kernel ${m.kernel}`,
    `- Node ${m.node}; ${m.java}; ${m.redis}; ${m.zookeeper}; ${m.haproxy}`,
    `- load average at start: ${m.loadAverage.join(' / ')} (the machine is shared with other work); redkeeper commit ${m.commit}`
  ]
}
