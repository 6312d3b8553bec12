// CPU time and resident memory of processes, from /proc (Linux only). CPU
// seconds per operation is the benchmark's most robust figure on a shared,
// noisy machine: it does not care how long the run waited for a core.

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticksPerSecond = 0

function clockTicks (): number {
  if (ticksPerSecond === 0) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** utime + stime of one process (all its threads), seconds; 0 once it is gone. */
export function cpuSeconds (pid: number): number {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return 0
  }
  // the command name (field 2) may hold spaces and parentheses: split after its closing ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / clockTicks()
}

export function totalCpuSeconds (pids: number[]): number {
  let sum = 0
  for (const p of pids) sum += cpuSeconds(p)
  return sum
}

/** VmRSS of one process, bytes; 0 once it is gone. */
export function rssBytes (pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) * 1024
  } catch {
    return 0
  }
}
