// kazoo (Python) as a ZooKeeper user runs it: test/acl/kazoo_login.py in the
// venv scripts/install-deps.sh makes (kazoo + pure-sasl).

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const KAZOO_PYTHON = join(process.env.REDKEEPER_VENV ?? join(homedir(), '.cache', 'redkeeper', 'venv'), 'bin', 'python')
const SCRIPT = join(__dirname, 'kazoo_login.py')

export interface KazooSpec {
  hosts: string
  sasl_options?: { mechanism: string, username: string, password: string }
  auth_data?: Array<[string, string]>
  reads?: string[]
}

/** What kazoo reported: "states" (the session states of the login), "probe" when the first request failed, one entry per read. */
export type KazooOutcome = Record<string, string | string[]>

export function kazoo (spec: KazooSpec): Promise<KazooOutcome> {
  if (!existsSync(KAZOO_PYTHON)) {
    return Promise.reject(new Error(`${KAZOO_PYTHON} is missing: run scripts/install-deps.sh`))
  }
  return new Promise((resolve, reject) => {
    execFile(KAZOO_PYTHON, [SCRIPT, JSON.stringify(spec)], { timeout: 45_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        resolve(JSON.parse(line) as KazooOutcome)
      } catch {
        reject(new Error(`kazoo printed no result (${err?.message ?? 'exit 0'}): ${stderr.slice(-500)}`))
      }
    })
  })
}
