// schemathesis (installed by scripts/install-deps.sh into its own venv)
// against a running server's /openapi.json: valid and invalid requests for
// every route, from the document alone. Checks: no 5xx (but 501, ZooKeeper's
// UNIMPLEMENTED for TTL modes without --extended-types, as docs/rest.md says),
// every response in its documented schema and content type.

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'

export const SCHEMATHESIS_VENV = process.env.REDKEEPER_SCHEMATHESIS_VENV ?? join(homedir(), '.cache', 'redkeeper', 'schemathesis-venv')

/** The REST token the servers under test are started with, acting as super (every route reachable). */
export const FUZZ_TOKEN = 'schemathesis-token-0123456789'
export const FUZZ_SERVER_ARGS = ['--api-token', FUZZ_TOKEN, '--api-identity', 'super:']

const CONFIG = `
[checks.not_a_server_error]
expected-statuses = ["2XX", "3XX", "4XX", "501"]
`

export interface FuzzRun {
  code: number | null
  out: string
}

export interface FuzzOptions {
  /** test cases per operation and phase */
  maxExamples: number
  seed: number
  phases?: string
  timeoutMs: number
}

/** Runs schemathesis to completion against http://127.0.0.1:<port>; throws if it is not installed. */
export function runSchemathesis (httpPort: number, opts: FuzzOptions): Promise<FuzzRun> {
  const bin = join(SCHEMATHESIS_VENV, 'bin', 'schemathesis')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/install-deps.sh`)
  const dir = mkdtempSync(join(tmpdir(), 'rk-schemathesis-'))
  const config = join(dir, 'schemathesis.toml')
  writeFileSync(config, CONFIG)
  const args = [
    '--config-file', config, '--no-color', 'run', `http://127.0.0.1:${httpPort}/openapi.json`,
    '-H', `Authorization: Bearer ${FUZZ_TOKEN}`,
    '--checks', 'not_a_server_error,response_schema_conformance,content_type_conformance',
    '--max-examples', String(opts.maxExamples),
    '--seed', String(opts.seed),
    '--generation-database', 'none',
    // one worker: hypothesis's ast.parse in threads trips a CPython 3.11 race ("AST constructor recursion depth mismatch")
    '--workers', '1',
    '--request-timeout', '20',
    '--warnings', 'off',
    // the watch stream never ends by design: each case would wait out the
    // request timeout (test/http/watch-*.test.ts test it)
    '--exclude-path', '/v1/watch',
    ...(opts.phases === undefined ? [] : ['--phases', opts.phases])
  ]
  return new Promise((resolve, reject) => {
    // its reports and cache go to the temp dir, not the repository
    // tap sets FORCE_COLOR: without it (and with a dumb terminal) no progress
    // redraws, whose escape codes would corrupt the TAP stream
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TERM: 'dumb', COLUMNS: '120' }
    delete env.FORCE_COLOR
    const child = spawn(bin, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); rmSync(dir, { recursive: true, force: true }); reject(err) })
    child.on('close', (code) => {
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
      resolve({ code, out: plain(out) })
    })
  })
}

/** Without escape sequences and carriage-return redraws: text fit for a TAP diagnostic. */
function plain (s: string): string {
  return s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split('\n').map((l) => l.substring(l.lastIndexOf('\r') + 1)).join('\n')
}

/** The summary lines worth showing in a test's output ("Test cases: N generated, …"). */
export function summaryOf (out: string): string {
  const tail = out.substring(out.lastIndexOf('SUMMARY'))
  return tail.split('\n').filter((l) => /generated|Tested:|Failures|ST\d+/.test(l)).map((l) => l.trim()).join('; ')
}
