// The JAAS login file ZooKeeper reads for DIGEST-MD5 SASL: the users of the
// `Server` section's DigestLoginModule, given as user_<name>="<password>"
// options (SaslServerCallbackHandler takes every option with that prefix).

/** A JAAS file this parser cannot read, or one without users. */
export class JaasError extends Error {
  override name = 'JaasError'
}

/** Removes // and /* *\/ comments outside quoted strings. */
function stripComments (text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      const end = closingQuote(text, i)
      out += text.slice(i, end + 1)
      i = end + 1
    } else if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i)
      i = nl === -1 ? text.length : nl
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2)
      if (end === -1) throw new JaasError('unterminated /* comment')
      i = end + 2
    } else {
      out += c
      i++
    }
  }
  return out
}

function closingQuote (text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '\\') j++
    else if (text[j] === '"') return j
  }
  throw new JaasError('unterminated quoted string')
}

/**
 * The users (name → password) of section `section` (default "Server", as
 * ZooKeeper's zookeeper.sasl.serverconfig default).
 */
export function parseJaasUsers (text: string, section = 'Server'): Map<string, string> {
  const src = stripComments(text)
  const head = new RegExp(`(^|[\\s;}])${section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{`, 'g')
  const m = head.exec(src)
  if (m === null) throw new JaasError(`no '${section}' section`)
  const bodyStart = m.index + m[0].length
  let end = -1
  for (let j = bodyStart; j < src.length; j++) {
    if (src[j] === '"') j = closingQuote(src, j)
    else if (src[j] === '}') { end = j; break }
  }
  if (end === -1) throw new JaasError(`section '${section}' is not closed with '}'`)
  const body = src.slice(bodyStart, end)
  const users = new Map<string, string>()
  const opt = /([A-Za-z0-9_.$-]+)\s*=\s*"((?:[^"\\]|\\.)*)"/g
  for (let o = opt.exec(body); o !== null; o = opt.exec(body)) {
    const key = o[1] as string
    if (key.startsWith('user_') && key.length > 5) users.set(key.slice(5), (o[2] as string).replace(/\\(.)/g, '$1'))
  }
  if (users.size === 0) throw new JaasError(`section '${section}' has no user_<name>="<password>" options`)
  return users
}
