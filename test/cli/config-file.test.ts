// The configuration file: its properties syntax (as zoo.cfg), ZooKeeper's
// key names, and the layering file < REDKEEPER_* environment < flags.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigFileError, parseProperties } from '../../src/cli/config-file'
import { UsageError } from '../../src/cli/errors'
import { parseNodeArgs } from '../../src/cli/node'
import { parseSidecarArgs } from '../../src/cli/sidecar'
import { parseStartArgs } from '../../src/cli/start'

const dir = mkdtempSync(join(tmpdir(), 'rk-config-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
function file (text: string): string {
  const f = join(dir, `c${++n}.cfg`)
  writeFileSync(f, text)
  return f
}

function opts<T> (r: T | 'help'): T {
  if (r === 'help') throw new Error('help')
  return r
}

t.test('properties syntax', async (t) => {
  t.same(parseProperties('# comment\n! also\n\n  tickTime=3000\nkey : value with spaces  \nbare value\nempty=\ncont=a,\\\n   b\nesc=c\\:d\\u0041\n'), [
    { key: 'tickTime', value: '3000', line: 4 },
    { key: 'key', value: 'value with spaces', line: 5 },
    { key: 'bare', value: 'value', line: 6 },
    { key: 'empty', value: '', line: 7 },
    { key: 'cont', value: 'a,b', line: 8 },
    { key: 'esc', value: 'c:dA', line: 10 }
  ])
  t.same(parseProperties('\uFEFFa=1\r\nb=2\r\n'), [{ key: 'a', value: '1', line: 1 }, { key: 'b', value: '2', line: 2 }], 'BOM and CRLF')
  t.throws(() => parseProperties('=value\n'), ConfigFileError)
})

t.test('ZooKeeper names in a zoo.cfg-style file', async (t) => {
  const cfg = file([
    'tickTime=500',
    'clientPort=2182',
    'clientPortAddress=0.0.0.0',
    'dataDir=/var/lib/redkeeper',
    'minSessionTimeout=1000',
    'maxSessionTimeout=9000',
    'jute.maxbuffer=4194304',
    '4lw.commands.whitelist=srvr,mntr,ruok',
    'superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
    'forceSync=no',
    'snapCount=5000',
    'zookeeper.extendedTypesEnabled=true',
    'znode.container.checkIntervalMs=1000',
    'http-port=9090',
    ''
  ].join('\n'))
  const o = opts(parseStartArgs(['--config', cfg], {}))
  t.equal(o.tickMs, 500)
  t.equal(o.zkPort, 2182)
  t.equal(o.host, '0.0.0.0')
  t.equal(o.dataDir, '/var/lib/redkeeper')
  t.equal(o.minSessionTimeout, 1000)
  t.equal(o.maxSessionTimeout, 9000)
  t.equal(o.maxBuffer, 4194304)
  t.equal(o.fourLetterWhitelist, 'srvr,mntr,ruok')
  t.equal(o.auth.superDigest, 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=')
  t.equal(o.fsync, false)
  t.equal(o.snapCount, 5000)
  t.equal(o.sweep.extendedTypes, true)
  t.equal(o.sweep.containerCheckIntervalMs, 1000)
  t.equal(o.httpPort, 9090, 'our own keys are the flag names')
})

t.test('precedence: file < environment < flags', async (t) => {
  const cfg = file('tickTime=500\nmax-buffer=1000\nlog-level=warn\n')
  const o = opts(parseStartArgs(['--config', cfg, '--max-buffer', '3000'], { REDKEEPER_MAX_BUFFER: '2000', REDKEEPER_LOG_LEVEL: 'debug' }))
  t.equal(o.tickMs, 500, 'file only')
  t.equal(o.logLevel, 'debug', 'env beats file')
  t.equal(o.maxBuffer, 3000, 'flag beats env and file')
  const viaEnv = opts(parseStartArgs(['--tick-ms', '700'], { REDKEEPER_CONFIG: cfg }))
  t.equal(viaEnv.tickMs, 700)
  t.equal(viaEnv.maxBuffer, 1000, 'REDKEEPER_CONFIG names the file')
  const eq = opts(parseStartArgs([`--config=${cfg}`], { REDKEEPER_LOG_LEVEL: '' }))
  t.equal(eq.logLevel, 'warn', 'an empty variable is unset, as everywhere')
})

t.test('node and sidecar read the same file format', async (t) => {
  const cfg = file('redis=redis://10.0.0.5:6379\nnamespace=prod\ndrain-timeout-ms=20000\ntickTime=1000\nsnapCount=100\n')
  const nodeWarnings: string[] = []
  const o = opts(parseNodeArgs(['--config', cfg], {}, (w) => nodeWarnings.push(w)))
  t.same(nodeWarnings, [`${cfg}:5: snapCount has no effect in redkeeper node (ignored)`], 'a node keeps no snapshots')
  t.equal(o.redisUrl, 'redis://10.0.0.5:6379')
  t.equal(o.namespace, 'prod')
  t.equal(o.drainTimeoutMs, 20000)
  t.equal(o.tickMs, 1000)
  const sc = file('upstream=ws://lb:8080\nclientPort=2181\nclientPortAddress=0.0.0.0\n')
  const s = opts(parseSidecarArgs(['--config', sc], {}))
  t.same(s.upstreams, ['ws://lb:8080'])
  t.equal(s.host, '0.0.0.0')
})

t.test('a copied zoo.cfg loads: quorum keys are ignored with one warning each', async (t) => {
  const cfg = file('tickTime=2000\ninitLimit=10\nsyncLimit=5\nserver.1=zk1:2888:3888\nautopurge.purgeInterval=1\nmaxClientCnxns=60\ndataDir=/tmp/zk\n')
  const warnings: string[] = []
  const o = opts(parseStartArgs(['--config', cfg], {}, (w) => warnings.push(w)))
  t.equal(o.dataDir, '/tmp/zk')
  t.equal(o.maxClientCnxns, 60, 'maxClientCnxns is a setting now (--max-client-cnxns)')
  t.same(warnings, ['initLimit', 'syncLimit', 'server.1', 'autopurge.purgeInterval'].map((k, i) => `${cfg}:${i + 2}: ${k} has no effect in redkeeper start (ignored)`))
})

t.test('every bad key and value is reported, one line each, naming file and line', async (t) => {
  const cfg = file('tickTime=fast\nclientPort=70000\nnoSuchKey=1\njute.maxbuffer=0\nredis=redis://x:1\n')
  const err = t.throws(() => parseStartArgs(['--config', cfg], {})) as Error
  t.type(err, UsageError)
  t.same(err.message.split('\nredkeeper: '), [
    `${cfg}:1: tickTime: 'fast' is not a positive integer`,
    `${cfg}:2: clientPort: 70000 is out of range (0-65535)`,
    `${cfg}:3: unknown key 'noSuchKey' (keys are the flag names of redkeeper start --help, or ZooKeeper's names)`,
    `${cfg}:4: jute.maxbuffer: '0' is not a positive integer`,
    `${cfg}:5: redis is not a setting of redkeeper start`
  ])
  const nodeCfg = file('redis=redis://h:1\ndataDir=/x\n')
  t.throws(() => parseNodeArgs(['--config', nodeCfg], {}), new UsageError(`${nodeCfg}:2: dataDir is not a setting of redkeeper node`))
  t.throws(() => parseStartArgs(['--config', join(dir, 'missing.cfg')], {}), new UsageError(`cannot read the config file ${join(dir, 'missing.cfg')}: ENOENT`))
  t.throws(() => parseStartArgs(['--config'], {}), new UsageError('flag --config needs a value'))
  t.throws(() => parseStartArgs(['--config', file('=x\n')], {}), UsageError)
})

t.test('a bad environment value still names its variable, even with a file', async (t) => {
  const cfg = file('tickTime=500\n')
  t.throws(() => parseStartArgs(['--config', cfg], { REDKEEPER_TICK_MS: 'x' }), new UsageError("REDKEEPER_TICK_MS: 'x' is not a positive integer"))
})
