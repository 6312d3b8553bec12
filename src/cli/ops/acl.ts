// getacl and setacl: zkCli's getAcl/setAcl over the REST API (GET/PUT
// /v1/acl/{path}), with zkCli's ACL syntax and its output lines.

import { UsageError } from '../errors'
import { encodePath } from './http'
import { opCommand, printJson } from './op'
import { bool, intFlag, noMoreThan, znodePath } from './options'
import { formatStat, type Stat } from './format'

export interface AclEntry { scheme: string, id: string, perms: string }

/**
 * zkCli's ACL list: comma-separated scheme:id:perms (AclParser). The id is
 * what lies between the first and the last colon, so it may hold colons
 * (digest:user:hash, ip:1.2.3.4, auth::cdrwa has an empty one). zkCli skips a
 * malformed entry with a message; a script is better served by a refusal.
 */
export function parseAcl (raw: string, flag = '--acl'): AclEntry[] {
  return raw.split(',').map((entry) => {
    const first = entry.indexOf(':')
    const last = entry.lastIndexOf(':')
    if (first <= 0 || last === first) throw new UsageError(`${flag} entry '${entry}' is not scheme:id:perms (e.g. world:anyone:cdrwa)`)
    const perms = entry.slice(last + 1)
    if (!/^[cdrwa]+$/.test(perms)) throw new UsageError(`${flag} entry '${entry}': perms must be letters of cdrwa`)
    return { scheme: entry.slice(0, first), id: entry.slice(first + 1, last), perms }
  })
}

/** jute's toString escaping of a string (ToStringOutputArchive), which zkCli prints an Id with. */
function juteString (s: string): string {
  return "'" + s.replace(/[\0\n\r,}%]/g, (c) => ({ '\0': '%00', '\n': '%0A', '\r': '%0D', ',': '%2C', '}': '%7D', '%': '%25' } as Record<string, string>)[c])
}

/** zkCli getAcl's lines: the Id as jute prints a record ("'digest,'alice:hash" and a newline), then ": cdrwa". */
export function formatAcl (acl: readonly AclEntry[]): string {
  return acl.map((a) => `${juteString(a.scheme)},${juteString(a.id)}\n: ${a.perms}\n`).join('')
}

export const getAclCommand = opCommand({
  name: 'getacl',
  summary: 'print a znode\'s ACL, as zkCli\'s getAcl',
  help: `Usage: redkeeper getacl <path> [-s] [--json]

Prints a znode's ACL as zkCli's getAcl does, two lines per entry:
  'world,'anyone
  : cdrwa
--json prints { path, acl: [{ scheme, id, perms }], stat }.

Options:
  -s, --stat              also print the stat, as zkCli's getAcl -s
`,
  spec: { booleans: ['stat'], short: { s: 'stat' } },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    const path = znodePath(args.positionals[0])
    const r = await api.call('GET', '/v1/acl/' + encodePath(path)) as { path: string, acl: AclEntry[], stat: Stat }
    if (json) return printJson(io, r)
    io.out(formatAcl(r.acl) + (bool(args, 'stat') ? formatStat(r.stat) : ''))
  }
})

export const setAclCommand = opCommand({
  name: 'setacl',
  summary: 'set a znode\'s ACL (--version: only if its ACL is at that version)',
  help: `Usage: redkeeper setacl <path> <acl> [--version n] [-s] [--json]

Sets a znode's ACL, as zkCli's setAcl. <acl> is zkCli's list of
scheme:id:perms, e.g. world:anyone:r,digest:alice:<base64 sha1>:cdrwa,
ip:10.0.0.1:rw or auth::cdrwa (auth: the identities of the credentials used,
see --user). Prints nothing unless -s.

Options:
  --version <n>           only if the znode's aclVersion is n (else BADVERSION, exit 1)
  -s, --stat              print the new stat
`,
  spec: { strings: ['version'], booleans: ['stat'], short: { s: 'stat' } },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 2)
    const path = znodePath(args.positionals[0])
    const raw = args.positionals[1]
    if (raw === undefined || raw === '') throw new UsageError('missing <acl> (e.g. world:anyone:cdrwa)')
    const acl = parseAcl(raw, 'ACL')
    const version = intFlag(args, 'version')
    const r = await api.call('PUT', '/v1/acl/' + encodePath(path), { body: { acl, ...(version === undefined ? {} : { version }) } }) as { path: string, stat: Stat }
    if (json) printJson(io, r)
    else if (bool(args, 'stat')) io.out(formatStat(r.stat))
  }
})
