import t from 'tap'
import { CliMt, cliMtBatch } from '../support/climt'
import { targets } from '../support/targets'

// ZooKeeper's C client (the library behind many bindings) through its shell,
// cli_mt. It creates every node with the data "new"; get/ls/exists leave a
// watch, and events print as "Watcher <TYPE> state = <STATE> for path <p>".

const P = '/climt'

for (const target of targets()) {
  t.test(target.name, async (t) => {
    const server = await target.start()
    t.teardown(() => server.stop())

    const a = new CliMt(server.address, 'cli_mt A')
    t.teardown(() => a.kill())
    const aSession = await a.sessionId()

    // Runs a command on `cli` and waits for its reply line.
    async function run (cli: CliMt, command: string, reply: RegExp): Promise<string> {
      const from = cli.mark()
      cli.send(command)
      await cli.waitFor(reply, from)
      // For get/ls the reply runs until the "ephemeralOwner" or "time =" line.
      return cli.transcript.slice(from)
    }
    const getReply = (p: string): RegExp => new RegExp(`${p}: rc = (-?\\d+)\\n(?: value_len = \\d+\\n[^]*?)?\\nStat:\\n(?:null\\n|[^]*?ephemeralOwner = [0-9a-f]+\\n)`)
    const lsReply = (p: string): RegExp => new RegExp(`${p}: rc = (-?\\d+)\\n(?:\\t.*\\n)*time = \\d+ msec\\n`)

    t.test('create, get, set, ls, delete', async (t) => {
      t.match(await run(a, `create ${P}`, /\[\/climt\]: rc = \d+\n\tname = \/climt\n/), /\[\/climt\]: rc = 0\n/)
      let out = await run(a, `get ${P}`, getReply(P))
      t.match(out, /\/climt: rc = 0\n value_len = 3\nnew\nStat:\n/)
      t.match(out, /\tversion=0\taversion=0\n\tephemeralOwner = 0\n/)
      t.match(await run(a, `set ${P} hello`, /\/climt: rc = -?\d+ Stat:\n[^]*?ephemeralOwner = \d+\n/), /\/climt: rc = 0 Stat:\n[^]*\tversion=1\t/)
      out = await run(a, `get ${P}`, getReply(P))
      t.match(out, /\/climt: rc = 0\n value_len = 5\nhello\nStat:\n[^]*\tversion=1\t/)
      t.match(await run(a, `create ${P}/c1`, /\[\/climt\/c1\]: rc = -?\d+\n/), /rc = 0\n/)
      t.match(await run(a, `create ${P}/c2`, /\[\/climt\/c2\]: rc = -?\d+\n/), /rc = 0\n/)
      t.match(await run(a, `create ${P}/c1`, /\[\/climt\/c1\]: rc = -?\d+\n/), /rc = -110\n/, 'ZNODEEXISTS')
      out = await run(a, `ls ${P}`, lsReply(P))
      const children = [...out.matchAll(/^\t(c\d)$/gm)].map((m) => m[1]).sort()
      t.same(children, ['c1', 'c2'])
      t.match(await run(a, `delete ${P}`, /\/climt: rc = -?\d+\n/), /\/climt: rc = -111\n/, 'ZNOTEMPTY')
      t.match(await run(a, `delete ${P}/c2`, /\/climt\/c2: rc = -?\d+\n/), /rc = 0\n/)
      t.match(await run(a, `get ${P}/c2`, getReply(`${P}/c2`)), /\/climt\/c2: rc = -101\n/, 'ZNONODE')
      t.match(await run(a, `create +s ${P}/s-`, /\[\/climt\/s-\]: rc = -?\d+\n\tname = .*\n/), /\tname = \/climt\/s-0000000002\n/)
    })

    t.test('batch mode (-c)', async (t) => {
      const out = await cliMtBatch(server.address, `ls ${P}`)
      t.match(out, /\/climt: rc = 0\n/)
      t.match(out, /^\tc1$/m)
      t.match(out, /^\ts-0000000002$/m)
    })

    t.test('an ephemeral disappears when its session closes', async (t) => {
      const b = new CliMt(server.address, 'cli_mt B')
      t.teardown(() => b.kill())
      const bSession = await b.sessionId()
      t.not(bSession, aSession)
      t.match(await run(b, `create +e ${P}/eph`, /\[\/climt\/eph\]: rc = -?\d+\n/), /rc = 0\n/)
      const out = await run(a, `get ${P}/eph`, getReply(`${P}/eph`))
      t.match(out, /\/climt\/eph: rc = 0\n/)
      t.match(out, new RegExp(`\\tephemeralOwner = ${bSession}\\n`), 'owned by B')
      await b.quit()
      t.match(await run(a, `get ${P}/eph`, getReply(`${P}/eph`)), /\/climt\/eph: rc = -101\n/)
    })

    t.test('watches fire', async (t) => {
      const from = a.mark()
      await run(a, `get ${P}`, getReply(P)) // data watch
      await run(a, `ls ${P}`, lsReply(P)) // child watch
      a.send(`exists ${P}/later`) // exists watch on a missing node
      await a.waitFor(/Error -101 for \/climt\/later\n/, from)
      t.match(await cliMtBatch(server.address, `set ${P} changed`), /rc = 0 Stat:/)
      await a.waitFor(/Watcher CHANGED_EVENT state = CONNECTED_STATE for path \/climt\n/, from)
      t.match(await cliMtBatch(server.address, `create ${P}/later`), /rc = 0\n/)
      await a.waitFor(/Watcher CREATED_EVENT state = CONNECTED_STATE for path \/climt\/later\n/, from)
      await a.waitFor(/Watcher CHILD_EVENT state = CONNECTED_STATE for path \/climt\n/, from)
      await run(a, `get ${P}/later`, getReply(`${P}/later`)) // data watch on the new node
      t.match(await cliMtBatch(server.address, `delete ${P}/later`), /rc = 0\n/)
      await a.waitFor(/Watcher DELETED_EVENT state = CONNECTED_STATE for path \/climt\/later\n/, from)
      t.pass('CHANGED, CREATED, CHILD and DELETED events were delivered')
      // One-shot: another change to /climt, and no second CHANGED_EVENT
      // arrives before the reply to a later request on the same connection.
      const after = a.mark()
      await cliMtBatch(server.address, `set ${P} again`)
      t.match(await run(a, `ls /`, lsReply('/')), /\tclimt\n/)
      t.notMatch(a.transcript.slice(after), /CHANGED_EVENT/)
    })

    t.test('clean up and quit', async (t) => {
      for (const c of ['c1', 's-0000000002']) {
        t.match(await run(a, `delete ${P}/${c}`, new RegExp(`/climt/${c}: rc = -?\\d+\\n`)), /rc = 0\n/)
      }
      t.match(await run(a, `delete ${P}`, /\/climt: rc = -?\d+\n/), /\/climt: rc = 0\n/)
      await a.quit()
      t.ok(a.exited)
    })
  })
}
