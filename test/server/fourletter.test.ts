import t from 'tap'
import { OpCode, Err } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { fourLetterWord } from '../support/fourlw'
import { targets } from '../support/targets'

// Four-letter words, held to the layouts of real ZooKeeper 3.8: every pattern
// below is first checked against ZooKeeper itself, then against redkeeper.
// Tools parse these texts with regexes (go-zookeeper's FLWSrvr/FLWCons,
// zkServer.sh status, mntr scrapers), so the layout is the contract.

t.setTimeout(120_000)

const SUMMARY =
  'Latency min/avg/max: (\\d+)/([0-9.]+)/(\\d+)\\n' +
  'Received: (\\d+)\\nSent: (\\d+)\\nConnections: (\\d+)\\nOutstanding: (\\d+)\\n' +
  'Zxid: 0x([0-9a-f]+)\\nMode: (\\w+)\\nNode count: (\\d+)\\n'
// The Debian ZooKeeper build leaves "${mvngit.commit.id}" in its version.
const VERSION_LINE = 'Zookeeper version: ([A-Za-z0-9.${}-]+), built on (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d [A-Z]+)\\n'
const SRVR = new RegExp(`^${VERSION_LINE}${SUMMARY}$`)
const STAT = new RegExp(`^${VERSION_LINE}Clients:\\n((?: /[0-9.]+:\\d+\\[[0-9a-f]+\\]\\(queued=\\d+,recved=\\d+,sent=\\d+\\)\\n)*)\\n${SUMMARY}$`)
const CONS_SESSION = /^ \/[0-9.]+:\d+\[[0-9a-f]+\]\(queued=\d+,recved=\d+,sent=\d+,sid=0x([0-9a-f]+),lop=(\w+),est=\d+,to=(\d+),lcxid=0x[0-9a-f]+,lzxid=0x([0-9a-f]+),lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$/
const MNTR_KEYS = [
  'zk_version', 'zk_server_state', 'zk_ephemerals_count', 'zk_num_alive_connections', 'zk_avg_latency',
  'zk_outstanding_requests', 'zk_znode_count', 'zk_global_sessions', 'zk_packets_sent', 'zk_packets_received',
  'zk_watch_count', 'zk_auth_failed_count', 'zk_min_latency', 'zk_max_latency', 'zk_approximate_data_size', 'zk_uptime'
]
const CONF_KEYS = ['clientPort', 'secureClientPort', 'dataDir', 'dataDirSize', 'dataLogDir', 'dataLogSize', 'tickTime',
  'maxClientCnxns', 'minSessionTimeout', 'maxSessionTimeout', 'clientPortListenBacklog', 'serverId']

function mntrMap (text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const tab = line.indexOf('\t')
    m.set(line.substring(0, tab), line.substring(tab + 1))
  }
  return m
}

// What each target says on a fresh tree, for the cross-check at the end.
const fresh = new Map<string, { nodeCount: string, dataSize: string }>()

for (const target of targets()) {
  t.test(target.name, async (t) => {
    const server = await target.start()
    t.teardown(() => server.stop())
    const ask = (word: string): Promise<string> => fourLetterWord(server.host, server.port, word)

    t.test('ruok answers imok', async (t) => {
      t.equal(await ask('ruok'), 'imok')
    })

    t.test('srvr on a fresh tree', async (t) => {
      const m = SRVR.exec(await ask('srvr'))
      if (m === null) return t.fail('srvr does not match ZooKeeper\'s layout')
      t.equal(m[11], 'standalone')
      const mntr = mntrMap(await ask('mntr'))
      fresh.set(target.name, { nodeCount: m[12], dataSize: mntr.get('zk_approximate_data_size') ?? '' })
      if (target.name === 'redkeeper') {
        t.match(m[1], /^3\.8\.0-redkeeper-\d+\.\d+\.\d+/)
        // go-zookeeper's stricter version class: letters, digits, '.', '-'
        t.match(m[1], /^[A-Za-z0-9.-]+$/)
      }
    })

    t.test('with a session: srvr zxid, stat clients, cons details, mntr', async (t) => {
      const c = await ZkClient.connect(server.address, { timeout: 10000 })
      t.teardown(() => c.destroy())
      const made = await c.request({ type: OpCode.create, path: '/flw', data: Buffer.from('abc'), dataLength: 3, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 })
      t.equal(made.err, Err.OK)

      const srvr = SRVR.exec(await ask('srvr'))
      if (srvr === null) return t.fail('srvr does not match')
      t.equal(parseInt(srvr[8], 16), made.zxid, 'Zxid is the last zxid, in hex')
      t.ok(Number(srvr[6]) >= 2, 'Connections counts the session and the srvr connection')

      const stat = STAT.exec(await ask('stat'))
      if (stat === null) return t.fail('stat does not match')
      t.ok(stat[3].split('\n').filter((l) => l !== '').length >= 2, 'stat lists the client connections')

      const cons = (await ask('cons')).split('\n').filter((l) => l !== '')
      const mine = cons.map((l) => CONS_SESSION.exec(l)).find((m) => m !== null && parseInt(m[1], 16) === c.sessionId)
      if (mine == null) return t.fail(`no cons line for session 0x${c.sessionId.toString(16)}:\n${cons.join('\n')}`)
      t.equal(mine[2], 'CREA', 'last operation')
      t.equal(Number(mine[3]), 10000, 'session timeout')
      t.equal(parseInt(mine[4], 16), made.zxid, 'last zxid')

      const mntr = mntrMap(await ask('mntr'))
      for (const k of MNTR_KEYS) t.ok(mntr.has(k), `mntr has ${k}`)
      t.equal(mntr.get('zk_server_state'), 'standalone')
      t.equal(mntr.get('zk_ephemerals_count'), '1')
      t.equal(mntr.get('zk_global_sessions'), '1')
      t.match(mntr.get('zk_avg_latency') ?? '', /^\d+\.\d+$/, 'avg latency printed as a Java double')
    })

    t.test('conf, isro, envi', async (t) => {
      const conf = (await ask('conf')).split('\n').filter((l) => l !== '').map((l) => l.split('=')[0])
      t.same(conf, CONF_KEYS)
      t.match(await ask('conf'), new RegExp(`^clientPort=${server.port}\\n`))
      t.equal(await ask('isro'), 'rw')
      t.match(await ask('envi'), /^Environment:\nzookeeper\.version=3\.8\.0-/)
    })
  })
}

t.test('a fresh redkeeper reports the same node count and data size as a fresh ZooKeeper', async (t) => {
  t.ok(fresh.has('zookeeper') && fresh.has('redkeeper'), 'both targets ran')
  t.same(fresh.get('redkeeper'), fresh.get('zookeeper'))
})
