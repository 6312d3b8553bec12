// Path arithmetic on '/'-separated znode paths. Only ASCII '/' is inspected,
// so the same code is exact on UTF-16 strings (Node) and byte strings (Lua).
// No lastIndexOf: typescript-to-lua does not translate it.

/** Index of the last '/', or -1. */
export function lastSlash(path: string): number {
  for (let i = path.length - 1; i >= 0; i--) {
    if (path.charCodeAt(i) === 0x2f) return i
  }
  return -1
}

/**
 * ZooKeeper's parent of a path: everything before the last '/'. The parent
 * of "/a" is "", ZooKeeper's internal alias of the root; see rootAlias().
 */
export function parentOf(path: string, slash: number): string {
  return path.substring(0, slash)
}

export function childOf(path: string, slash: number): string {
  return path.substring(slash + 1)
}

/** ZooKeeper keeps the root under both "" and "/"; we store it as "/". */
export function rootAlias(path: string): string {
  return path === '' ? '/' : path
}

export function join(parent: string, child: string): string {
  return parent === '/' ? '/' + child : parent + '/' + child
}

/** String.format("%010d", n), as ZooKeeper names sequential znodes. */
export function sequenceSuffix(n: number): string {
  const negative = n < 0
  let digits = String(negative ? -n : n)
  const width = negative ? 9 : 10
  while (digits.length < width) digits = '0' + digits
  return negative ? '-' + digits : digits
}

export function startsWith(s: string, prefix: string): boolean {
  return s.substring(0, prefix.length) === prefix
}
