// The linters of infra/ (installed by scripts/install-deps.sh into their own
// venv), and small helpers shared by test/infra.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const INFRA_VENV = process.env.REDKEEPER_INFRA_VENV ?? join(homedir(), '.cache', 'redkeeper', 'infra-venv')

/** A tool of the infra venv; throws (fails the test, never skips it) when it is missing. */
export function tool (name: 'hadolint' | 'kubernetes-validate' | 'check-jsonschema'): string {
  const path = join(INFRA_VENV, 'bin', name)
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/install-deps.sh`)
  return path
}

export interface Ran { code: number | null, out: string }

/** Runs a command to completion; stdout and stderr together. */
export function run (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30_000} ms\n${out}`))
    }, opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

/** Every document of a YAML file as JSON (merge keys resolved), by the infra venv's PyYAML. */
export async function loadYamlDocs (file: string): Promise<unknown[]> {
  const r = await run(join(INFRA_VENV, 'bin', 'python'), ['-c', 'import json,sys,yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))', file])
  if (r.code !== 0) throw new Error(`${file}: ${r.out}`)
  return JSON.parse(r.out) as unknown[]
}
