// The read commands: ls, get, stat, tree.

import { UsageError } from '../errors'
import { encodePath } from './http'
import { opCommand, printJson } from './op'
import { bool, intFlag, noMoreThan, str, znodePath } from './options'
import { formatLong, formatStat, formatTree, type Stat, type TreeNode } from './format'

interface TreeReply { path: string, depth: number, limit: number, truncated: boolean, nodes: TreeNode[] }

export const lsCommand = opCommand({
  name: 'ls',
  summary: 'list a znode\'s children (-l: with version, size, children, mtime)',
  help: `Usage: redkeeper ls <path> [-l] [--limit n] [--json]

Prints the children of a znode, sorted, one name per line (zkCli's ls).

Options:
  -l, --long              a table: NAME VERSION DATALENGTH CHILDREN MTIME
  --limit <n>             with -l: at most n children (default and most 9999)
`,
  spec: { booleans: ['long'], strings: ['limit'], short: { l: 'long' } },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const path = znodePath(args.positionals[0])
    if (!bool(args, 'long')) {
      if (str(args, 'limit') !== undefined) throw new UsageError('--limit goes with -l')
      const r = await api.call('GET', '/v1/children/' + encodePath(path)) as { children: string[] }
      if (json) printJson(io, r)
      else io.out(r.children.map((c) => c + '\n').join(''))
      return
    }
    // the children's stats, in one call: the subtree one level down
    const limit = intFlag(args, 'limit', 1) ?? 9999
    if (limit > 9999) throw new UsageError('--limit is at most 9999')
    // +1: the listing includes the znode itself
    const r = await api.call('GET', '/v1/tree/' + encodePath(path), { query: { depth: 1, limit: limit + 1 } }) as TreeReply
    if (json) return printJson(io, r)
    io.out(formatLong(r.nodes, path))
    const all = r.nodes.find((n) => n.path === path)?.stat?.numChildren ?? 0
    if (r.nodes.length - 1 < all) io.err(`redkeeper: ${r.nodes.length - 1} of ${all} children shown (--limit)\n`)
  }
})

export const getCommand = opCommand({
  name: 'get',
  summary: 'print a znode\'s data (--base64/--hex/--raw for binary)',
  help: `Usage: redkeeper get <path> [--raw | --base64 | --hex] [--json]

Prints a znode's data: as text followed by a newline when it is UTF-8, as
zkCli does ("null" for null data); data that is not UTF-8 is written as it
is. --json prints { path, data, encoding, stat } (encoding text or base64).

Options:
  --raw                   the exact bytes, no newline (for > file)
  --base64, --hex         the bytes, encoded, and a newline
  -s, --stat              also print the stat, as zkCli's get -s
`,
  spec: { booleans: ['raw', 'base64', 'hex', 'stat'], short: { s: 'stat' } },
  async body ({ args, api, json, io, writeBytes }) {
    noMoreThan(args, 1)
    const path = znodePath(args.positionals[0])
    const modes = ['raw', 'base64', 'hex'].filter((f) => bool(args, f))
    if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} are exclusive`)
    if (json && modes.length > 0) throw new UsageError(`--${modes[0]} and --json are exclusive`)
    const binary = modes.length > 0
    const r = await api.call('GET', '/v1/znodes/' + encodePath(path), { query: { encoding: binary ? 'base64' : 'auto' } }) as
      { data: string | null, encoding: 'text' | 'base64', stat: Stat }
    if (json) return printJson(io, r)
    const bytes = r.data === null ? null : Buffer.from(r.data, r.encoding === 'base64' ? 'base64' : 'utf8')
    if (bool(args, 'raw')) {
      if (bytes !== null) writeBytes(bytes)
    } else if (bool(args, 'base64') || bool(args, 'hex')) {
      io.out(bytes === null ? 'null\n' : bytes.toString(bool(args, 'hex') ? 'hex' : 'base64') + '\n')
    } else if (r.data === null) {
      io.out('null\n')
    } else if (r.encoding === 'text') {
      io.out(r.data + '\n')
    } else if (bytes !== null) {
      writeBytes(bytes)
    }
    if (bool(args, 'stat')) io.out(formatStat(r.stat))
  }
})

export const statCommand = opCommand({
  name: 'stat',
  summary: 'print a znode\'s Stat as zkCli does',
  help: `Usage: redkeeper stat <path> [--json]

Prints a znode's Stat (cZxid, ctime, ..., numChildren) in zkCli's format.
`,
  spec: {},
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const path = znodePath(args.positionals[0])
    const r = await api.call('GET', '/v1/stat/' + encodePath(path)) as { stat: Stat }
    if (json) printJson(io, r)
    else io.out(formatStat(r.stat))
  }
})

export const treeCommand = opCommand({
  name: 'tree',
  summary: 'print a subtree, indented',
  help: `Usage: redkeeper tree [path] [--depth n] [--limit n] [--data] [--json]

Prints a znode (default /) and its descendants, one per line, indented by
level. A znode whose children are below --depth says how many it has; one
you may not read shows [NOAUTH].

Options:
  --depth <n>             levels below the path (default 3, at most 64)
  --limit <n>             at most n znodes (default 1000, at most 10000);
                          a note on stderr says when the listing was cut
  --data                  show each znode's data (text quoted, else base64:)
`,
  spec: { strings: ['depth', 'limit'], booleans: ['data'] },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const path = args.positionals[0] === undefined ? '/' : znodePath(args.positionals[0])
    const depth = intFlag(args, 'depth') ?? 3
    if (depth > 64) throw new UsageError('--depth is at most 64')
    const limit = intFlag(args, 'limit', 1) ?? 1000
    if (limit > 10_000) throw new UsageError('--limit is at most 10000')
    const r = await api.call('GET', '/v1/tree/' + encodePath(path), { query: { depth, limit, data: bool(args, 'data') } }) as TreeReply
    if (json) return printJson(io, r)
    io.out(formatTree(r.nodes, path, depth, bool(args, 'data')))
    // truncated also counts znodes below --depth, which the lines above name
    if (r.nodes.length >= limit && r.truncated) io.err(`redkeeper: tree cut at --limit ${limit} znodes\n`)
  }
})
