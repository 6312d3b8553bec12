// `redkeeper export`: the whole tree of a ZooKeeper-protocol server (or a
// chroot of it) to a dump file. The file appears under its name only when
// complete; a failed export leaves nothing behind.

import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { REDKEEPER_VERSION } from '../server/version'
import { DUMP_FORMAT, DUMP_VERSION, Endpoint, formatAddress, hex64, readTree, writeDump } from '../transfer'
import type { Command, Io } from './command'
import { EXIT_OK, UsageError } from './errors'
import { parseFlags, stringFlag } from './flags'
import { addressFlag, authFlag, intFlag, Progress } from './transfer-common'
import { SUMMARIES } from './summaries'

const HELP = `Usage: redkeeper export --server host:port[/chroot] --file <out.jsonl> [options]

Writes every znode under the root (or the chroot) of a ZooKeeper-protocol
server (Apache ZooKeeper, redkeeper, a redkeeper sidecar) to a dump file:
JSON Lines, one znode per line, parents before children, with data, ACL,
the source's stat, and ephemerals marked. /zookeeper is left out.

Options:
  --server <host:port[/chroot]>   the server to read (zk:// prefix allowed)
  --file <path>                   where to write; - writes to stdout
  --auth <scheme:credentials>     addauth before reading, e.g. digest:super:secret
                                  (needed for znodes whose ACL denies READ or ADMIN)
  --window <n>                    znodes read in flight (default 128)
  --quiet                         no progress lines on stderr
  -h, --help                      show this help

Exit status: 0 written, 1 failed (one line on stderr), 2 bad command line.
`

async function run (argv: string[], _env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { values } = parseFlags(argv, { strings: ['server', 'file', 'auth', 'window'], booleans: ['help', 'quiet'], short: { h: 'help' } })
  if (values.help === true) {
    io.out(HELP)
    return EXIT_OK
  }
  const address = addressFlag('server', stringFlag(values, 'server'))
  const file = stringFlag(values, 'file')
  if (file === undefined || file === '') throw new UsageError('missing --file (a path, or - for stdout)')
  const auth = authFlag('auth', stringFlag(values, 'auth'))
  const window = intFlag('window', stringFlag(values, 'window'), 128)
  const progress = new Progress(io, 'export', values.quiet === true)

  const src = await Endpoint.open(address, auth, 'source')
  const partial = file === '-' ? undefined : `${file}.partial-${process.pid}`
  let out: Writable | undefined
  try {
    if (partial !== undefined) {
      out = createWriteStream(partial, { flags: 'wx' })
      await once(out, 'open')
    } else {
      out = process.stdout
    }
    const header = {
      format: DUMP_FORMAT,
      version: DUMP_VERSION,
      source: formatAddress(address),
      created: new Date().toISOString(),
      zxid: hex64(BigInt(src.client.lastZxid)),
      tool: `redkeeper ${REDKEEPER_VERSION}`
    } as const
    const n = await writeDump(out, header, readTree(src, { window }), () => hex64(BigInt(src.client.lastZxid)), (k) => progress.tick(k))
    if (partial !== undefined) {
      const o = out
      await new Promise<void>((resolve, reject) => o.end((err?: Error | null) => (err == null ? resolve() : reject(err))))
      renameSync(partial, file)
    }
    progress.done(`${n} znodes from ${formatAddress(address)} to ${file === '-' ? 'stdout' : file} in ${progress.seconds()} s`)
    return EXIT_OK
  } catch (err) {
    if (partial !== undefined) {
      out?.destroy()
      rmSync(partial, { force: true })
    }
    const e = err as NodeJS.ErrnoException
    if (e.syscall === 'open') throw new Error(`cannot write ${file}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`)
    throw err
  } finally {
    await src.close()
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: SUMMARIES.export,
  run
}
