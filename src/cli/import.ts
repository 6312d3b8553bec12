// `redkeeper import`: a tree from a dump file, or straight from a live
// ZooKeeper-protocol server, created on a target server.

import { Err, OpCode } from '../engine/codes'
import {
  assertTargetFree, checkDump, Endpoint, formatAddress, readDump, readTree, writeTree,
  type Address, type ExistingMode, type WriteSummary, type ZnodeRecord
} from '../transfer'
import type { Command, Io } from './command'
import { EXIT_OK, UsageError } from './errors'
import { parseFlags, stringFlag } from './flags'
import { addressFlag, authFlag, intFlag, Progress } from './transfer-common'
import { SUMMARIES } from './summaries'

const HELP = `Usage: redkeeper import --server host:port[/chroot] (--file <dump.jsonl> | --from zk://host:port[/chroot]) [options]

Creates a tree on the target server, parents before children, with the same
data and ACLs: from a dump written by \`redkeeper export\`, or read live from
another server (e.g. a running Apache ZooKeeper) over its client protocol.
/zookeeper is never written. Stats (zxids, times, versions) are the target's
own; sequential parents are lifted so new sequential names do not collide.

Options:
  --server <host:port[/chroot]>   the target (zk:// prefix allowed); a missing
                                  chroot is created (persistent, empty, open ACL)
  --file <path>                   read this dump (checked whole before any write)
  --from <zk://host:port[/chroot]> read this live server instead
  --auth <scheme:credentials>     addauth on the target, e.g. digest:super:secret
  --from-auth <scheme:credentials> addauth on the live source
  --existing <fail|skip|overwrite> when the target already has a znode of the tree:
                                  fail (default) writes nothing; skip keeps the
                                  target's; overwrite sets data and ACL
  --include-ephemerals            create the source's ephemerals as PERSISTENT znodes
                                  (their sessions do not exist on the target);
                                  by default they are left out
  --window <n>                    requests in flight (default 512)
  --max-fill <n>                  filler creates allowed to lift sequence counters
                                  (default 1000000)
  --quiet                         no progress lines on stderr
  -h, --help                      show this help

Exit status: 0 imported, 1 failed (one line on stderr), 2 bad command line.
`

const MODES: readonly ExistingMode[] = ['fail', 'skip', 'overwrite']

async function run (argv: string[], _env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    strings: ['server', 'file', 'from', 'auth', 'from-auth', 'existing', 'window', 'max-fill'],
    booleans: ['help', 'quiet', 'include-ephemerals'],
    short: { h: 'help' }
  })
  if (values.help === true) {
    io.out(HELP)
    return EXIT_OK
  }
  const str = (f: string): string | undefined => stringFlag(values, f)
  const target = addressFlag('server', str('server'))
  const file = str('file')
  const fromRaw = str('from')
  if ((file === undefined) === (fromRaw === undefined)) throw new UsageError('give exactly one of --file <dump.jsonl> and --from zk://host:port[/chroot]')
  if (file === '') throw new UsageError('--file: must not be empty')
  const from = fromRaw === undefined ? undefined : addressFlag('from', fromRaw)
  if (file !== undefined && str('from-auth') !== undefined) throw new UsageError('--from-auth goes with --from, not --file')
  const existing = (str('existing') ?? 'fail') as ExistingMode
  if (!MODES.includes(existing)) throw new UsageError(`--existing: '${existing}' is not one of fail, skip, overwrite`)
  const opts = {
    existing,
    includeEphemerals: values['include-ephemerals'] === true,
    window: intFlag('window', str('window'), 512),
    maxFill: intFlag('max-fill', str('max-fill'), 1_000_000)
  }
  const progress = new Progress(io, 'import', values.quiet === true)
  const onRecord = (n: number): void => progress.tick(n)

  if (file !== undefined) {
    // The whole file is checked first: a bad line must not leave half a tree.
    const dump = await checkDump(file)
    const dst = await Endpoint.open(target, authFlag('auth', str('auth')), 'target', true)
    try {
      if (existing === 'fail') await assertTargetFree(dst, dump.topLevel)
      const s = await writeTree(dst, readDump(file), { ...opts, onRecord })
      progress.done(summary(s, file, target, progress.seconds()))
    } finally {
      await dst.close()
    }
    return EXIT_OK
  }

  const source = from as Address
  const src = await Endpoint.open(source, authFlag('from-auth', str('from-auth')), 'source')
  try {
    const dst = await Endpoint.open(target, authFlag('auth', str('auth')), 'target', true)
    try {
      if (existing === 'fail') await assertTargetFree(dst, await topLevel(src))
      const s = await writeTree(dst, readTree(src) as AsyncIterable<ZnodeRecord>, { ...opts, onRecord })
      progress.done(summary(s, formatAddress(source), target, progress.seconds()))
    } finally {
      await dst.close()
    }
  } finally {
    await src.close()
  }
  return EXIT_OK
}

async function topLevel (src: Endpoint): Promise<string[]> {
  const root = src.wire('/')
  const r = await src.send({ type: OpCode.getChildren, path: root, watch: false })
  if (r.err !== Err.OK) src.check(r, 'getChildren', root)
  return (r.body?.children ?? []).map((c) => '/' + c)
}

function summary (s: WriteSummary, from: string, to: Address, secs: string): string {
  const parts = [`${s.created} created`]
  if (s.kept > 0) parts.push(`${s.kept} already there, kept`)
  if (s.overwritten > 0) parts.push(`${s.overwritten} overwritten`)
  if (s.ephemeralsSkipped > 0) parts.push(`${s.ephemeralsSkipped} ephemerals left out`)
  if (s.ephemeralsAsPersistent > 0) parts.push(`${s.ephemeralsAsPersistent} ephemerals created persistent`)
  if (s.systemSkipped > 0) parts.push(`${s.systemSkipped} under /zookeeper left out`)
  if (s.sequenceParents > 0) parts.push(`${s.sequenceParents} sequence counters lifted (${s.fillers} filler creates)`)
  return `${s.read} znodes from ${from} to ${formatAddress(to)} in ${secs} s: ${parts.join(', ')}`
}

export const importCommand: Command = {
  name: 'import',
  summary: SUMMARIES.import,
  run
}
