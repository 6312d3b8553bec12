import t, { type Test } from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OpCode } from '../../src/engine/codes'
import { ZkClient } from '../../src/client'
import { freePort } from '../support/ports'
import { startRedkeeper } from '../support/redkeeper'
import { cli, walk } from './helpers'

// Bad input to export/import: one line on stderr, the documented exit code
// (2 for a bad command line, 1 for a run that failed), and a target left
// untouched when the dump is bad.

t.setTimeout(120_000)

const dir = mkdtempSync(join(tmpdir(), 'rk-transfer-bad-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

async function fails (t: Test, args: string[], code: number, pattern: RegExp): Promise<void> {
  const r = await cli(args)
  t.equal(r.code, code, `exit ${code}: ${args.join(' ')}`)
  t.equal(r.stdout, '')
  t.match(r.stderr, /^redkeeper: [^\n]+\n$/, 'one line on stderr')
  t.match(r.stderr, pattern)
}

t.test('usage errors exit 2', async (t) => {
  await fails(t, ['export', '--file', 'x.jsonl'], 2, /missing --server/)
  await fails(t, ['export', '--server', '127.0.0.1:2181'], 2, /missing --file/)
  await fails(t, ['export', '--server', 'nohost', '--file', 'x'], 2, /--server: 'nohost' is not a ZooKeeper address/)
  await fails(t, ['export', '--server', '127.0.0.1:99999', '--file', 'x'], 2, /is not a ZooKeeper address/)
  await fails(t, ['export', '--server', '127.0.0.1:2181', '--file', 'x', '--auth', 'digest'], 2, /--auth: 'digest' is not scheme:credentials/)
  await fails(t, ['export', '--server', '127.0.0.1:2181', '--file', 'x', '--window', '0'], 2, /--window: '0' is not a positive integer/)
  await fails(t, ['export', '--bogus'], 2, /unknown flag --bogus/)
  await fails(t, ['import', '--server', '127.0.0.1:2181'], 2, /give exactly one of --file/)
  await fails(t, ['import', '--server', '127.0.0.1:2181', '--file', 'a', '--from', 'zk://127.0.0.1:2182'], 2, /give exactly one of --file/)
  await fails(t, ['import', '--server', '127.0.0.1:2181', '--file', 'a', '--existing', 'merge'], 2, /--existing: 'merge' is not one of fail, skip, overwrite/)
  await fails(t, ['import', '--server', '127.0.0.1:2181', '--file', 'a', '--from-auth', 'digest:a:b'], 2, /--from-auth goes with --from/)
  await fails(t, ['import', '--from', 'http://x', '--server', '127.0.0.1:2181'], 2, /--from: 'http:\/\/x' is not a ZooKeeper address/)
  const help = await cli(['import', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /--existing <fail\|skip\|overwrite>/)
  const top = await cli(['--help'])
  t.match(top.stdout, /export\s+dump a ZooKeeper tree/)
  t.match(top.stdout, /import\s+create a tree from a dump file or a live ZooKeeper/)
})

t.test('unreachable servers, a missing chroot, an unwritable file exit 1', async (t) => {
  const port = await freePort()
  await fails(t, ['export', '--server', `127.0.0.1:${port}`, '--file', join(dir, 'never.jsonl')], 1, new RegExp(`source: cannot connect to ZooKeeper at 127\\.0\\.0\\.1:${port}: `))
  await fails(t, ['import', '--from', `zk://127.0.0.1:${port}`, '--server', '127.0.0.1:1'], 1, /source: cannot connect to ZooKeeper/)
  const rk = await startRedkeeper()
  t.teardown(() => rk.destroy())
  await fails(t, ['export', '--server', `${rk.address}/no/such`, '--file', join(dir, 'never.jsonl')], 1, /source: the chroot \/no\/such does not exist on 127\.0\.0\.1:\d+/)
  await fails(t, ['export', '--server', rk.address, '--file', join(dir, 'no-dir', 'x.jsonl')], 1, /cannot write .*no-dir\/x\.jsonl: no such directory/)
  await fails(t, ['import', '--from', `zk://${rk.address}`, '--server', `127.0.0.1:${port}`], 1, /target: cannot connect to ZooKeeper/)
  t.same(readdirSync(dir), [], 'no partial file is left behind')
})

t.test('a bad dump is refused whole: nothing written', async (t) => {
  const [a, b] = await Promise.all([startRedkeeper(), startRedkeeper()])
  t.teardown(async () => { await Promise.all([a.destroy(), b.destroy()]) })
  const c = await ZkClient.connect(a.address)
  const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
  for (const p of ['/app', '/app/one', '/app/two', '/other']) {
    await c.request({ type: OpCode.create, path: p, data: Buffer.from(p), dataLength: p.length, acl: open, flags: 0 })
  }
  await c.close()
  const good = join(dir, 'good.jsonl')
  const exp = await cli(['export', '--server', a.address, '--file', good])
  t.equal(exp.code, 0, exp.stderr)
  const lines = readFileSync(good, 'utf8').split('\n') // last element is '' after the final newline
  t.equal(lines.length, 8, 'header, 5 znodes, end line')
  const before = await walk(b.address)

  const variant = async (name: string, text: string, pattern: RegExp): Promise<void> => {
    const f = join(dir, name)
    writeFileSync(f, text)
    await fails(t, ['import', '--server', b.address, '--file', f], 1, pattern)
  }
  await fails(t, ['import', '--server', b.address, '--file', join(dir, 'missing.jsonl')], 1, /cannot read .*missing\.jsonl: no such file/)
  await variant('empty.jsonl', '', /empty\.jsonl: empty file \(no header line\)/)
  await variant('garbled.jsonl', [...lines.slice(0, 3), '{"path":"/app/one","da', ...lines.slice(4)].join('\n'), /garbled\.jsonl line 4: not a JSON line/)
  await variant('cut-mid-line.jsonl', lines.join('\n').slice(0, -30), /cut-mid-line\.jsonl line 7: not a JSON line/)
  await variant('cut-at-line.jsonl', lines.slice(0, 5).join('\n') + '\n', /cut-at-line\.jsonl: truncated: no end line after 4 znodes/)
  await variant('dropped-line.jsonl', [...lines.slice(0, 4), ...lines.slice(5)].join('\n'), /dropped-line\.jsonl line 6: the end line counts 5 znodes but the file holds 4/)
  await variant('version.jsonl', [lines[0].replace('"version":1', '"version":2'), ...lines.slice(1)].join('\n'), /version\.jsonl line 1: unknown dump version 2 \(this redkeeper reads version 1\)/)
  await variant('not-ours.jsonl', '{"hello":"world"}\n', /line 1: not a redkeeper dump/)
  await variant('bad-data.jsonl', [...lines.slice(0, 3), lines[3].replace(/"data":"[^"]*"/, '"data":"%%%"'), ...lines.slice(4)].join('\n'), /line 4: "data" must be null or base64/)
  const orphan = JSON.parse(lines[3]) as Record<string, unknown>
  orphan.path = '/nowhere/child'
  await variant('orphan.jsonl', [...lines.slice(0, 3), JSON.stringify(orphan), ...lines.slice(4)].join('\n'), /line 4: \/nowhere\/child comes before its parent \/nowhere/)
  await variant('after-end.jsonl', lines.join('\n') + '{"path":"/late"}\n', /line 8: text after the end line/)

  t.same(await walk(b.address), before, 'the target is unchanged by every refused dump')
  const ok = await cli(['import', '--server', b.address, '--file', good])
  t.equal(ok.code, 0, `the good dump imports (${ok.stderr})`)
})
