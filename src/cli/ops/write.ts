// The write commands: create, set, delete (-r). Each is one REST call, so
// one ZooKeeper request (delete -r: the server's batched deleteall).

import { UsageError } from '../errors'
import { dataBody, dataOf, DATA_FLAGS, DATA_HELP } from './data'
import { encodePath } from './http'
import { opCommand, printJson } from './op'
import { bool, intFlag, noMoreThan, str, znodePath } from './options'
import { formatStat, type Stat } from './format'
import { parseAcl } from './acl'

const MODES = ['persistent', 'persistent_sequential', 'container', 'persistent_with_ttl', 'persistent_sequential_with_ttl']

/** --mode and --ttl → the API's mode: a TTL turns persistent modes into their _with_ttl form. */
function modeOf (mode: string | undefined, ttl: number | undefined): string {
  const m = mode ?? 'persistent'
  if (!MODES.includes(m)) {
    const hint = m.startsWith('ephemeral') ? ' (an ephemeral znode needs a ZooKeeper session; the CLI has none)' : ''
    throw new UsageError(`--mode must be one of ${MODES.join(', ')}${hint}`)
  }
  if (ttl === undefined) {
    if (m.endsWith('_with_ttl')) throw new UsageError(`--mode ${m} needs --ttl <ms>`)
    return m
  }
  if (m === 'persistent') return 'persistent_with_ttl'
  if (m === 'persistent_sequential') return 'persistent_sequential_with_ttl'
  if (m.endsWith('_with_ttl')) return m
  throw new UsageError(`--ttl does not go with --mode ${m}`)
}

export const createCommand = opCommand({
  name: 'create',
  summary: 'create a znode (persistent, sequential, container, TTL)',
  help: `Usage: redkeeper create <path> [data | -] [options]

Creates a znode and prints "Created <path>" (the name it got, for sequential
modes). Without data the znode has null data, as zkCli's create; "-" reads
the data from stdin.

Options:
${DATA_HELP}  --mode <mode>           persistent (default), persistent_sequential, container,
                          persistent_with_ttl, persistent_sequential_with_ttl
  --ttl <ms>              a TTL znode (needs extended types on the server)
  --acl <scheme:id:perms,...>  the ACL (default world:anyone:cdrwa), e.g.
                          digest:alice:<base64 sha1>:cdrwa or auth::cdrwa
`,
  spec: { strings: [...DATA_FLAGS.strings, 'mode', 'ttl', 'acl'], booleans: DATA_FLAGS.booleans },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 2)
    const path = znodePath(args.positionals[0])
    const data = dataOf(args, args.positionals[1])
    const mode = modeOf(str(args, 'mode'), intFlag(args, 'ttl', 1))
    const body: Record<string, unknown> = { mode, ...(data === undefined ? {} : dataBody(data)) }
    const ttl = intFlag(args, 'ttl', 1)
    if (ttl !== undefined) body.ttl = ttl
    const acl = str(args, 'acl')
    if (acl !== undefined) body.acl = parseAcl(acl)
    // a sequential create's path may end in "/" (the counter is the whole name)
    const r = await api.call('POST', '/v1/znodes/' + encodePath(path), { body }) as { path: string, stat: Stat }
    if (json) printJson(io, r)
    else io.out(`Created ${r.path}\n`)
  }
})

export const setCommand = opCommand({
  name: 'set',
  summary: 'set a znode\'s data (--version: only if it is at that version)',
  help: `Usage: redkeeper set <path> <data | -> [options]

Sets a znode's data, as zkCli's set. Prints nothing unless -s.

Options:
${DATA_HELP}  --version <n>           only if the znode's dataVersion is n (else BADVERSION, exit 1)
  -s, --stat              print the new stat
`,
  spec: { strings: [...DATA_FLAGS.strings, 'version'], booleans: [...DATA_FLAGS.booleans, 'stat'], short: { s: 'stat' } },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 2)
    const path = znodePath(args.positionals[0])
    const data = dataOf(args, args.positionals[1])
    if (data === undefined) throw new UsageError('missing data (an argument, - for stdin, or --file)')
    const version = intFlag(args, 'version')
    const r = await api.call('PUT', '/v1/znodes/' + encodePath(path), { body: dataBody(data), ...(version === undefined ? {} : { ifMatch: version }) }) as { stat: Stat }
    if (json) printJson(io, r)
    else if (bool(args, 'stat')) io.out(formatStat(r.stat))
  }
})

export const deleteCommand = opCommand({
  name: 'delete',
  summary: 'delete a znode (-r: with its subtree)',
  help: `Usage: redkeeper delete <path> [--version n] [-r]

Deletes a znode, as zkCli's delete; with -r its whole subtree first, as
zkCli's deleteall (in atomic batches, leaves first; not atomic as a whole).
Prints nothing; --json prints { path, deleted }.

Options:
  --version <n>           only if the znode's dataVersion is n (else BADVERSION, exit 1)
  -r, --recursive         delete the subtree too
`,
  spec: { strings: ['version'], booleans: ['recursive'], short: { r: 'recursive' } },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const path = znodePath(args.positionals[0])
    const version = intFlag(args, 'version')
    const r = await api.call('DELETE', '/v1/znodes/' + encodePath(path), {
      ...(bool(args, 'recursive') ? { query: { recursive: true } } : {}),
      ...(version === undefined ? {} : { ifMatch: version })
    })
    if (json) printJson(io, r)
  }
})
