import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fourLetterWord } from '../support/fourlw'
import { REPO_ROOT } from '../support/redkeeper'
import { targets, type Server, type TargetName } from '../support/targets'

// 4lw.commands.whitelist, held to ZooKeeper 3.8.0: the same list given to
// ZooKeeper (zoo.cfg), the embedded server (REDKEEPER_4LW_WHITELIST) and a
// node behind its sidecar must enable and refuse the same words with the
// same text. Unset, ZooKeeper 3.8 enables srvr alone (zkServer.sh status
// needs it); `srvr` can never be refused.

t.setTimeout(120_000)

const WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'envi', 'srst', 'wchs', 'wchc', 'wchp', 'dump', 'isro', 'dirs', 'gtmk'] as const

/** What each word is answered with: the refusal text itself, or "answered" */
async function verdicts (start: () => Promise<Server>): Promise<Record<string, string>> {
  const server = await start()
  try {
    const out: Record<string, string> = {}
    for (const w of WORDS) {
      const text = await fourLetterWord(server.host, server.port, w)
      out[w] = text.includes('not in the whitelist') ? text : 'answered'
    }
    return out
  } finally {
    await server.stop()
  }
}

/** The three targets, each given `list` (undefined: ZooKeeper's own default, nothing configured). */
function configured (list: string | undefined): Array<{ name: TargetName, start: () => Promise<Server> }> {
  // zoo.cfg `4lw.commands.whitelist=` (empty) is ZooKeeper's unset list; for
  // redkeeper an empty variable is an unset one.
  const value = list ?? ''
  return targets({
    names: ['zookeeper', 'redkeeper', 'node1'],
    zookeeper: { config: { '4lw.commands.whitelist': value } },
    redkeeper: { env: { REDKEEPER_4LW_WHITELIST: value } },
    topology: { node: { env: { REDKEEPER_4LW_WHITELIST: value } } }
  })
}

const CASES: Array<{ list: string | undefined, enabled: string[] }> = [
  { list: undefined, enabled: ['srvr'] },
  // blanks trimmed, empty items skipped, srvr added
  { list: ' ruok , ,wchs', enabled: ['ruok', 'srvr', 'wchs'] },
  // ZooKeeper stops at `*`
  { list: 'dump,*', enabled: [...WORDS] }
]

for (const c of CASES) {
  t.test(`whitelist ${c.list === undefined ? '(unset)' : JSON.stringify(c.list)}`, async (t) => {
    const [zk, ...ours] = await Promise.all(configured(c.list).map(async (x) => ({ name: x.name, v: await verdicts(x.start) })))
    for (const w of WORDS) {
      const expected = c.enabled.includes(w) ? 'answered' : `${w} is not executed because it is not in the whitelist.\n`
      t.equal(zk.v[w], expected, `zookeeper: ${w}`)
      for (const o of ours) t.equal(o.v[w], zk.v[w], `${o.name}: ${w} as ZooKeeper`)
    }
  })
}

t.test('a word that is not one is refused at start with one line', async (t) => {
  for (const cmd of [['start', '--data-dir', join(REPO_ROOT, 'never-created')], ['node', '--redis', 'redis://127.0.0.1:1']]) {
    const r = await cli([...cmd, '--4lw-whitelist', 'ruok,ruk'])
    t.equal(r.code, 2, `${cmd[0]}: exit code 2`)
    t.equal(r.stderr, "redkeeper: --4lw-whitelist: 'ruk' is not a four-letter word (known: conf, cons, crst, dirs, dump, envi, gtmk, hash, isro, mntr, ruok, srst, srvr, stat, stmk, wchc, wchp, wchs, or *)\n")
    const e = await cli(cmd, { REDKEEPER_4LW_WHITELIST: 'RUOK' })
    t.equal(e.code, 2)
    t.match(e.stderr, /^redkeeper: REDKEEPER_4LW_WHITELIST: 'RUOK' is not a four-letter word/)
  }
})

function cli (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'redkeeper.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redkeeper ${args.join(' ')} did not exit within 20 s: ${stderr}`))
    }, 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}
