// Human output: what zkCli prints, so operators read the familiar shape.

export interface Stat {
  czxid: number
  mzxid: number
  ctime: number
  mtime: number
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: number
  dataLength: number
  numChildren: number
  pzxid: number
}

export interface TreeNode {
  path: string
  depth: number
  stat?: Stat
  data?: string | null
  encoding?: 'text' | 'base64'
  children?: string[]
  error?: string
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number): string => String(n).padStart(2, '0')

/** Java's Date.toString() in UTC ("Wed Nov 25 06:03:58 UTC 2026"), as zkCli prints ctime/mtime. */
export function javaDate (ms: number): string {
  const d = new Date(ms)
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
}

const hex = (n: number): string => '0x' + n.toString(16)

/** zkCli's `stat` block. */
export function formatStat (s: Stat): string {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`
  ].join('\n') + '\n'
}

/** Left-aligned columns, two spaces apart. */
export function table (header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n'
  return line(header) + rows.map(line).join('')
}

function nameOf (path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1)
}

function parentOf (path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

/** `ls -l`: one row per child (the tree reply at depth 1, minus its top). */
export function formatLong (nodes: TreeNode[], top: string): string {
  const rows = nodes.filter((n) => n.path !== top).map((n) => n.stat === undefined
    ? [nameOf(n.path), '-', '-', '-', n.error ?? '?']
    : [nameOf(n.path), String(n.stat.version), String(n.stat.dataLength), String(n.stat.numChildren), new Date(n.stat.mtime).toISOString()])
  return table(['NAME', 'VERSION', 'DATALENGTH', 'CHILDREN', 'MTIME'], rows)
}

/**
 * The breadth-first tree reply, indented depth first: the top znode's path,
 * then each name two spaces further in per level. A znode whose children
 * were left out (depth limit) says how many; one the caller may not read
 * says why.
 */
export function formatTree (nodes: TreeNode[], top: string, maxDepth: number, withData: boolean): string {
  const kids = new Map<string, TreeNode[]>()
  let root: TreeNode | undefined
  for (const n of nodes) {
    if (n.path === top) { root = n; continue }
    const p = parentOf(n.path)
    const list = kids.get(p)
    if (list === undefined) kids.set(p, [n])
    else list.push(n)
  }
  let out = ''
  const visit = (n: TreeNode, label: string, indent: string): void => {
    let line = indent + label
    if (n.error !== undefined) line += `  [${n.error}]`
    else if (withData && n.data !== undefined) line += n.data === null ? '  = null' : n.encoding === 'base64' ? `  = base64:${n.data}` : `  = ${JSON.stringify(n.data)}`
    const below = (kids.get(n.path) ?? []).sort((a, b) => (a.path < b.path ? -1 : 1))
    const hidden = (n.stat?.numChildren ?? 0) - below.length
    if (hidden > 0 && n.depth >= maxDepth) line += `  (${hidden} ${hidden === 1 ? 'child' : 'children'} below --depth)`
    out += line + '\n'
    for (const k of below) visit(k, nameOf(k.path), indent + '  ')
  }
  if (root !== undefined) visit(root, top, '')
  return out
}
