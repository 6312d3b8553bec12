// Quotas end to end with Apache's zkCli.sh (setquota, listquota, delquota are
// client-side sequences of creates, getData and setData on
// /zookeeper/quota/...; the server keeps zookeeper_stats counted): the same
// session of commands against ZooKeeper 3.8.0, the embedded server and node1,
// and the printed transcripts must be identical. One zkCli JVM per target
// (batch mode would start one per command: too slow for this file's budget).
//
// RK_TARGETS=zookeeper,lb3 picks other targets (default: zookeeper,redkeeper,node1).

import t, { type Test as Tap } from 'tap'
import { targets, targetNames, type TargetName } from '../support/targets'
import { ZkCli } from '../support/zkcli'

const NAMES: TargetName[] = process.env.RK_TARGETS !== undefined ? targetNames() : ['zookeeper', 'redkeeper', 'node1']

const COMMANDS = [
  'create /qt root',
  'create /qt/a xx',
  'create /qt/a/deep',
  'setquota -n 5 /qt',
  'listquota /qt',
  'get /zookeeper/quota/qt/zookeeper_stats',
  'create /qt/b abc',
  'set /qt/a xxxxx',
  'delete /qt/a/deep',
  'listquota /qt',
  'setquota -b 100 /qt',
  'setquota -N 6 /qt',
  'setquota -B 1000 /qt',
  'listquota /qt',
  'get /zookeeper/quota/qt/zookeeper_limits',
  'create /qt/c 123456',
  'create /qt/d',
  'create /qt/e',
  'listquota /qt',
  'setquota -n 1 /qt/a',
  'setquota -n 1 /nosuch',
  'create /other x',
  'create /other/k y',
  'setquota -b 3 /other/k',
  'setquota -n 2 /other',
  'listquota /other/k',
  'create /other/k/z zz',
  'listquota /other/k',
  'delquota -n /qt',
  'listquota /qt',
  'delquota /qt',
  'listquota /qt',
  'create /qt/f ffff',
  'ls /zookeeper/quota',
  'ls /zookeeper/quota/qt',
  'stat /zookeeper/quota/other/k/zookeeper_stats'
]

/** With zookeeper.enforceQuota: hard limits (-N, -B) refuse; soft ones (-n, -b) still only log. */
const ENFORCED = [
  'create /eq e',
  'setquota -N 3 /eq',
  'setquota -b 2 /eq',
  'create /eq/a',
  'create /eq/b 12345',
  'create /eq/c',
  'create /eq/d',
  'listquota /eq',
  'setquota -B 10 /eq',
  'set /eq/a 12345',
  'set /eq/a 1234',
  'set /eq/b',
  'set /eq/a 123456789',
  'listquota /eq',
  'delete /eq/b',
  'create /eq/c',
  'delquota -N /eq',
  'create /eq/d',
  'listquota /eq'
]

/** zxids and times differ between servers; everything else must not. */
function normalise (out: string): string {
  return out
    .replace(/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/gm, '$1 = <zxid>')
    .replace(/^(ctime|mtime) = .*$/gm, '$1 = <time>')
}

const transcripts = new Map<string, string[]>()

async function session (tt: Tap, address: string, name: string, commands: string[]): Promise<string[]> {
  const cli = new ZkCli(address, `zkCli ${name}`)
  tt.teardown(() => cli.kill())
  // the JVM's start-up lines (logging, connection) are not the server's
  await cli.run('ls /zookeeper')
  const out: string[] = []
  for (const cmd of commands) out.push(`$ ${cmd}\n${normalise(await cli.run(cmd))}`)
  await cli.quit()
  return out
}

for (const target of targets({ names: NAMES })) {
  t.test(target.name, async (tt) => {
    const server = await target.start()
    tt.teardown(() => server.stop())
    const out = await session(tt, server.address, target.name, COMMANDS)
    transcripts.set(target.name, out)
    if (target.name !== 'zookeeper') return
    // what the transcript must show, proved on ZooKeeper first
    const at = (cmd: string): string => out[COMMANDS.indexOf(cmd)]
    tt.match(at('get /zookeeper/quota/qt/zookeeper_stats'), /^count=3,bytes=6$/m)
    tt.match(out[9], /Output stat for \/qt count=3,bytes=12/, '+/qt/b, /qt/a 2 → 5 bytes, -/qt/a/deep')
    tt.match(at('get /zookeeper/quota/qt/zookeeper_limits'), /^count=5,bytes=100=;byteHardLimit=1000;countHardLimit=6$/m)
  })
}

const enforced = targets({
  names: NAMES,
  zookeeper: { jvmFlags: ['-Dzookeeper.enforceQuota=true'] },
  redkeeper: { args: ['--enforce-quota'] },
  topology: { node: { args: ['--enforce-quota'] } }
})
for (const target of enforced) {
  t.test(`${target.name}, zookeeper.enforceQuota`, async (tt) => {
    const server = await target.start()
    tt.teardown(() => server.stop())
    const out = await session(tt, server.address, target.name, ENFORCED)
    transcripts.set(`${target.name}, enforced`, out)
    if (target.name !== 'zookeeper') return
    tt.match(out[ENFORCED.indexOf('create /eq/d')], /Quota has exceeded/i, 'a create past the hard count limit is refused')
  })
}

t.test('redkeeper prints what ZooKeeper prints', async (tt) => {
  const zk = transcripts.get('zookeeper')
  const zkEnforced = transcripts.get('zookeeper, enforced')
  if (zk === undefined || zkEnforced === undefined) {
    tt.fail('no ZooKeeper transcript to compare with (its run failed or RK_TARGETS left it out)')
    return
  }
  for (const [name, out] of transcripts) {
    if (name.startsWith('zookeeper')) continue
    const [want, commands] = name.endsWith('enforced') ? [zkEnforced, ENFORCED] : [zk, COMMANDS]
    for (let i = 0; i < commands.length; i++) tt.equal(out[i], want[i], `${name}: ${commands[i]}`)
  }
  tt.ok(transcripts.size >= 4, 'at least one redkeeper target ran')
})
