// Garbled, truncated and misplaced values: decodeHBaseZnode answers with a
// typed { kind: 'invalid' | 'unknown', reason } and never throws. Inputs are
// real HBase bytes from the fixtures, damaged on purpose.
import t from 'tap'
import { decodeHBaseZnode, hbaseProtoRoot, stripWriterHeader, type HBaseView } from '../../src/hbase'
import { loadFixture, rel, znode } from './fixtures'

const live = loadFixture('live')
const masterBytes = znode(live, 'master').data ?? Buffer.alloc(0)
const headerLen = 5 + masterBytes.readInt32BE(1)

const invalid = (v: HBaseView): string => v.kind === 'invalid' ? v.reason : `not invalid: ${v.kind}`

t.test('every truncation of every captured value: a view or invalid, never a throw', async (t) => {
  let cases = 0
  for (const z of live.znodes) {
    if (z.data === null || z.data.length === 0) continue
    const full = decodeHBaseZnode(rel(z.path), z.data)
    for (let n = 0; n < z.data.length; n++) {
      const v = decodeHBaseZnode(rel(z.path), z.data.subarray(0, n))
      cases++
      // Cut inside the header or the magic: always invalid. Later cuts may
      // only drop trailing optional fields, which is still a valid message.
      const hl = 5 + z.data.readInt32BE(1)
      const magic = rel(z.path).startsWith('namespace/') ? 0 : 4
      // (A WAL queue entry is legitimately empty: position 0.)
      const emptyWal = (n === 0 || n === hl) && full.kind === 'replication-wal-position'
      if (n < hl + magic && !emptyWal) {
        if (v.kind !== 'invalid') t.fail(`${z.path} cut at ${n}: ${v.kind}`)
      } else if (v.kind !== 'invalid' && v.kind !== full.kind) {
        t.fail(`${z.path} cut at ${n}: ${v.kind}, expected ${full.kind} or invalid`)
      }
    }
  }
  t.ok(cases > 1000, `${cases} truncations`)
})

t.test('header and magic problems, with reasons', async (t) => {
  t.match(invalid(decodeHBaseZnode('master', null)), /PBUF|payload/, 'no data at all')
  t.match(invalid(decodeHBaseZnode('master', Buffer.from([0xff, 0, 0]))), /header truncated/)
  const bigLen = Buffer.from(masterBytes)
  bigLen.writeInt32BE(10_000, 1)
  t.match(invalid(decodeHBaseZnode('master', bigLen)), /id length 10000 does not fit/)
  const negLen = Buffer.from(masterBytes)
  negLen.writeInt32BE(-3, 1)
  t.match(invalid(decodeHBaseZnode('master', negLen)), /id length -3/)
  const badMagic = Buffer.from(masterBytes)
  badMagic[headerLen + 3] = 0x58 // PBUF → PBUX
  t.match(invalid(decodeHBaseZnode('master', badMagic)), /no PBUF magic \(payload starts with 50425558/)
  t.match(invalid(decodeHBaseZnode('hbaseid', Buffer.from('just a string'))), /no PBUF magic/)
  const v = decodeHBaseZnode('master', badMagic)
  t.equal(v.writer?.id, `master:${live.ports.master1}`, 'the writer is still reported when the payload is bad')
})

t.test('a value without the metadata header is read as HBase reads it', async (t) => {
  const bare = masterBytes.subarray(headerLen)
  const v = decodeHBaseZnode('master', bare)
  t.equal(v.kind, 'master')
  t.equal(v.writer, null)
  t.equal(v.kind === 'master' ? v.server.name : '', live.facts.master)
  t.strictSame(stripWriterHeader(bare), { ok: true, writer: null, payload: bare })
})

t.test('garbage protobufs', async (t) => {
  const framed = (pb: number[]): Buffer => Buffer.concat([masterBytes.subarray(0, headerLen), Buffer.from('PBUF'), Buffer.from(pb)])
  t.match(invalid(decodeHBaseZnode('master', framed([]))), /missing required 'master'/)
  t.match(invalid(decodeHBaseZnode('master', framed([0x0a, 0x7f, 0x01]))), /Master: .*(range|index)/i, 'length beyond the end')
  t.match(invalid(decodeHBaseZnode('master', framed([0x0f]))), /Master: .*wire type/i, 'invalid wire type')
  t.match(invalid(decodeHBaseZnode('hbaseid', framed([]))), /missing required 'cluster_id'/)
  t.match(invalid(decodeHBaseZnode('snapshot-cleanup', framed([]))), /missing required 'snapshot_cleanup_enabled'/)

  // A start code beyond 2^53 cannot be one (it is a ms timestamp): invalid, not a rounded number.
  const Master = hbaseProtoRoot().lookupType('hbase.pb.Master')
  const msg = Master.toObject(Master.decode(masterBytes.subarray(headerLen + 4)), { longs: String })
  msg.master.start_code = '18446744073709551615'
  t.match(invalid(decodeHBaseZnode('master', framed([...Master.encode(Master.fromObject(msg)).finish()]))), /start_code 18446744073709551615 is not a safe integer/)

  // Seeded random payloads behind a valid frame, for every decodable kind: never a throw.
  let seed = 7
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed }
  const paths = ['master', 'backup-masters/h,1,2', 'rs/h,1,2', 'meta-region-server', 'hbaseid', 'running', 'balancer', 'normalizer',
    'switch/split', 'snapshot-cleanup', 'table/t', 'namespace/ns', 'replication/peers/1', 'replication/peers/1/peer-state',
    'replication/rs/h,1,2/1/w', 'splitWAL/x']
  const seen = new Set<string>()
  for (let i = 0; i < 3000; i++) {
    const pb = Array.from({ length: rnd() % 40 }, () => rnd() & 0xff)
    const p = paths[i % paths.length]
    const v = decodeHBaseZnode(p, framed(pb))
    seen.add(v.kind)
  }
  t.ok(seen.has('invalid'), `kinds seen: ${[...seen].join(' ')}`)
})

t.test('paths HBase does not write, and procedure znodes', async (t) => {
  const u = decodeHBaseZnode('no-such-thing', Buffer.from('x'))
  t.equal(u.kind, 'unknown')
  t.match(u.kind === 'unknown' ? u.reason : '', /not a znode HBase 2.x writes: no-such-thing/)
  t.equal(decodeHBaseZnode('switch/other', null).kind, 'unknown')
  const proc = decodeHBaseZnode('online-snapshot/acquired/snap1', Buffer.from([1, 2, 3]))
  t.equal(proc.kind, 'unknown')
  t.match(proc.kind === 'unknown' ? proc.reason : '', /procedure/)
  t.equal(decodeHBaseZnode('rs', Buffer.from('data?')).kind, 'unknown', 'a directory with data')
  t.equal(decodeHBaseZnode('draining/not-a-server-name', null).kind, 'draining')
  const ns = decodeHBaseZnode('namespace/other', znode(live, 'namespace/default').data)
  t.match(invalid(ns), /NamespaceDescriptor names "default", the znode "other"/)
})
