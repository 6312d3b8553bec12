// `redkeeper <args>` as a real child process (the built bin/redkeeper.js),
// run to completion: for command lines that exit by themselves.

import { spawn } from 'node:child_process'
import { BIN } from './launch'
import { REPO_ROOT } from './redkeeper'

export interface CliRun { code: number | null, stdout: string, stderr: string }

export interface CliOptions {
  /** the child's whole environment (default: this process's) */
  env?: NodeJS.ProcessEnv
  /** killed and rejected after this long (default 20 s) */
  timeoutMs?: number
}

export function runCli (args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const timeoutMs = opts.timeoutMs ?? 20_000
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redkeeper ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
