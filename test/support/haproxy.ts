import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { httpGet, spawnLogged, tcpAccepts, waitReady, type Spawned } from './launch'
import { freePort } from './ports'
import { removeAtExit, sleep, terminate } from './proc'
import { REPO_ROOT } from './redkeeper'

/**
 * A real HAProxy (Debian's) in front of redkeeper nodes, configured from
 * infra/haproxy/haproxy.cfg.template: the same file an operator would use,
 * so the tests exercise the shipped load-balancer settings.
 */

export const HAPROXY_TEMPLATE = join(REPO_ROOT, 'infra', 'haproxy', 'haproxy.cfg.template')

export interface HaproxyHandle {
  /** ws://127.0.0.1:port, or wss:// with `tls` (what a sidecar's --upstream takes) */
  readonly url: string
  readonly port: number
  readonly statsPort: number
  readonly pid: number
  readonly cfgFile: string
  readonly logFile: string
  /** backend server name → 'UP' | 'DOWN' | …, from the stats page */
  serverStates(): Promise<Map<string, string>>
  /** Resolves once every listed server (default: all) is in `state`, or rejects after `timeoutMs`. */
  waitForServers(state: 'UP' | 'DOWN', names?: string[], timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

export interface HaproxyOptions {
  /** Checks /readyz through haproxy before returning (default true); false when the backends are not up yet. */
  waitForBackend?: boolean
  /**
   * TLS on both sides (termination and re-encryption): sidecars connect over
   * wss with `pem` (key + certificate) as haproxy's certificate, and haproxy
   * reaches the HTTPS nodes, and checks their /readyz, verifying them against `ca`.
   */
  tls?: { pem: string, ca: string }
}

/** The `bind` options and `server` options that turn TLS on, as an operator would add them to the template. */
export function haproxyTlsOptions (tls: { pem: string, ca: string }): { bind: string, server: string } {
  return { bind: `ssl crt ${tls.pem}`, server: `ssl verify required ca-file ${tls.ca}` }
}

/** Fills the template; `backends` are "host:port", named n1, n2, …, each with `serverOpts` (as render.sh's HAPROXY_SERVER_OPTS). */
export function renderHaproxyConfig (template: string, bind: string, statsBind: string, backends: string[], serverOpts = ''): string {
  for (const b of backends) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b)) throw new Error(`haproxy: backend "${b}" is not host:port`)
  }
  const servers = backends.map((b, i) => `    server n${i + 1} ${b}${serverOpts === '' ? '' : ` ${serverOpts}`}`).join('\n')
  const out = template.replaceAll('{{BIND}}', bind).replaceAll('{{STATS_BIND}}', statsBind).replaceAll('{{SERVERS}}', servers)
  const left = /\{\{[A-Z_]+\}\}/.exec(out)
  if (left !== null) throw new Error(`haproxy: template placeholder ${left[0]} was not filled`)
  return out
}

export async function startHaproxy (backends: string[], opts: HaproxyOptions = {}): Promise<HaproxyHandle> {
  if (backends.length === 0) throw new Error('startHaproxy: no backends')
  const dir = mkdtempSync(join(tmpdir(), 'rk-haproxy-'))
  removeAtExit(dir)
  const port = await freePort()
  const statsPort = await freePort()
  const cfgFile = join(dir, 'haproxy.cfg')
  const logFile = join(dir, 'haproxy.log')
  const tls = opts.tls === undefined ? undefined : haproxyTlsOptions(opts.tls)
  const bind = `127.0.0.1:${port}${tls === undefined ? '' : ` ${tls.bind}`}`
  writeFileSync(cfgFile, renderHaproxyConfig(readFileSync(HAPROXY_TEMPLATE, 'utf8'), bind, `127.0.0.1:${statsPort}`, backends, tls?.server))

  // -db: stay in the foreground, so the process we track is haproxy itself.
  const proc: Spawned = spawnLogged('haproxy', 'haproxy', ['-db', '-f', cfgFile], logFile)
  await waitReady('haproxy', proc, logFile, async () => (await tcpAccepts(port)) && (await tcpAccepts(statsPort)) ? true : null)

  const handle: HaproxyHandle = {
    url: `${opts.tls === undefined ? 'ws' : 'wss'}://127.0.0.1:${port}`,
    port,
    statsPort,
    pid: proc.pid,
    cfgFile,
    logFile,
    async serverStates () {
      const res = await httpGet(statsPort, '/stats;csv')
      if (res === null || res.status !== 200) throw new Error(`haproxy: stats page answered ${res?.status ?? 'nothing'}`)
      return parseStats(res.body)
    },
    async waitForServers (state, names, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const states = await handle.serverStates()
        const want = names ?? [...states.keys()]
        const pending = want.filter((n) => !(states.get(n) ?? '').startsWith(state))
        if (pending.length === 0) return
        if (Date.now() > deadline) {
          throw new Error(`haproxy: servers ${pending.join(', ')} not ${state} within ${timeoutMs} ms (${[...states].map(([n, s]) => `${n}=${s}`).join(' ')})`)
        }
        await sleep(50)
      }
    },
    stop: () => terminate(proc.child, 'SIGTERM')
  }
  const ca = opts.tls === undefined ? undefined : readFileSync(opts.tls.ca)
  if (opts.waitForBackend !== false) {
    await waitReady('haproxy', proc, logFile, async () => (await httpGet(port, '/readyz', 2000, ca))?.status === 200 ? true : null)
  }
  return handle
}

/** The stats CSV's backend server rows: svname → status ("UP", "DOWN", "UP 1/2", …). */
function parseStats (csv: string): Map<string, string> {
  const lines = csv.split('\n').filter((l) => l.length > 0)
  const header = (lines[0] ?? '').replace(/^# /, '').split(',')
  const px = header.indexOf('pxname')
  const sv = header.indexOf('svname')
  const st = header.indexOf('status')
  const out = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const f = line.split(',')
    if (f[px] !== 'redkeeper_nodes' || f[sv] === 'BACKEND') continue
    out.set(f[sv] ?? '', f[st] ?? '')
  }
  return out
}
