import t from 'tap'
import { targets } from '../support/targets'
import { ZkCli, zkCliBatch } from '../support/zkcli'

// Apache's own Java CLI (Debian's zkCli.sh) against each target: the exact
// lines it prints are what operators see, so they are what we compare.

const P = '/zkcli'

for (const target of targets()) {
  t.test(target.name, async (t) => {
    const server = await target.start()
    t.teardown(() => server.stop())

    t.test('batch mode: create then get', async (t) => {
      t.match(await zkCliBatch(server.address, 'create', P, 'hello'), /^Created \/zkcli$/m)
      t.match(await zkCliBatch(server.address, 'get', P), /^hello$/m)
    })

    const a = new ZkCli(server.address, 'zkCli A')
    t.teardown(() => a.kill())

    t.test('get, set, stat, ls, delete', async (t) => {
      t.match(await a.run(`get ${P}`), /^hello$/m)
      t.equal(await a.run(`set ${P} world`), '', 'set prints nothing')
      t.match(await a.run(`get ${P}`), /^world$/m)
      const stat = await a.run(`stat ${P}`)
      t.match(stat, /^dataVersion = 1$/m)
      t.match(stat, /^dataLength = 5$/m)
      t.match(stat, /^numChildren = 0$/m)
      t.match(stat, /^ephemeralOwner = 0x0$/m)
      t.match(stat, /^cZxid = 0x[0-9a-f]+$/m)
      t.match(await a.run(`set -v 7 ${P} stale`), /version No is not valid : \/zkcli/, 'a stale version is refused')
      t.match(await a.run(`get ${P}`), /^world$/m, 'and changed nothing')
      t.match(await a.run(`create ${P}/c2 two`), /^Created \/zkcli\/c2$/m)
      t.match(await a.run(`create ${P}/c1 one`), /^Created \/zkcli\/c1$/m)
      t.match(await a.run(`create ${P}/c1 again`), /Node already exists: \/zkcli\/c1/)
      t.match(await a.run(`ls ${P}`), /^\[c1, c2\]$/m)
      t.match(await a.run(`stat ${P}`), /^numChildren = 2$/m)
      t.match(await a.run(`delete ${P}`), /Node not empty: \/zkcli/)
      t.equal(await a.run(`delete ${P}/c2`), '')
      t.match(await a.run(`ls ${P}`), /^\[c1\]$/m)
      t.match(await a.run(`get ${P}/c2`), /Node does not exist: \/zkcli\/c2/)
      t.match(await a.run(`create -s ${P}/seq- x`), /^Created \/zkcli\/seq-0000000002$/m, 'the sequence number is the parent cversion, which creates bump and deletes do not')
    })

    t.test('an ephemeral disappears when its session closes', async (t) => {
      const b = new ZkCli(server.address, 'zkCli B')
      t.teardown(() => b.kill())
      t.match(await b.run(`create -e ${P}/eph mine`), /^Created \/zkcli\/eph$/m)
      const stat = await a.run(`stat ${P}/eph`)
      const owner = /^ephemeralOwner = (0x[0-9a-f]+)$/m.exec(stat)
      t.ok(owner !== null && owner[1] !== '0x0', `owned by B's session (${owner?.[1]})`)
      t.match(await a.run(`ls ${P}`), /^\[c1, eph, seq-0000000002\]$/m)
      await b.quit()
      t.match(await a.run(`stat ${P}/eph`), /Node does not exist: \/zkcli\/eph/)
      t.match(await a.run(`ls ${P}`), /^\[c1, seq-0000000002\]$/m)
    })

    t.test('watches fire', async (t) => {
      const from = a.mark()
      t.match(await a.run(`get -w ${P}`), /^world$/m)
      t.match(await a.run(`ls -w ${P}`), /^\[c1, seq-0000000002\]$/m)
      t.match(await a.run(`stat -w ${P}/later`), /Node does not exist: \/zkcli\/later/)
      // The changes come from another client (another JVM).
      await zkCliBatch(server.address, 'set', P, 'changed')
      await a.waitFor(/WATCHER::\s+WatchedEvent state:SyncConnected type:NodeDataChanged path:\/zkcli\n/, from)
      await zkCliBatch(server.address, 'create', `${P}/later`, 'x')
      await a.waitFor(/WatchedEvent state:SyncConnected type:NodeCreated path:\/zkcli\/later\n/, from)
      await a.waitFor(/WatchedEvent state:SyncConnected type:NodeChildrenChanged path:\/zkcli\n/, from)
      t.pass('NodeDataChanged, NodeCreated and NodeChildrenChanged were delivered')
      // Watches are one-shot: a second change triggers nothing more.
      const after = a.mark()
      await zkCliBatch(server.address, 'set', P, 'again')
      t.match(await a.run(`get ${P}`), /^again$/m)
      t.notMatch(a.transcript.slice(after), /WatchedEvent.*NodeDataChanged/, 'one-shot watch fired once')
    })

    t.test('deleteall', async (t) => {
      t.equal(await a.run(`deleteall ${P}`), '')
      t.match(await a.run(`stat ${P}`), /Node does not exist: \/zkcli/)
      t.match(await a.run('ls /'), /^\[zookeeper\]$/m)
    })

    t.test('quit', async (t) => {
      await a.quit()
      t.ok(a.exited)
    })
  })
}
