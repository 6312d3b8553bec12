// Checks that depend on how a runtime sees strings: ZooKeeper validates paths
// by UTF-16 code unit and ACL ids with Java's String.split and InetAddress.
// Lua sees bytes, so these run in JavaScript only (this file is left out of
// the Lua build) and leave their verdict on the request as annotations; the
// engine reads them at the point where ZooKeeper would throw, so errors keep
// ZooKeeper's order. Both stores' request paths start in JavaScript, so this
// is still the one implementation.

import { isIP } from 'node:net'
import { OpCode, CreateFlag } from './codes'
import { PathState, type ACL, type Request, type SubRequest } from './types'

/** ZooKeeper's PathUtils.validatePath, returning a verdict instead of throwing. */
export function pathState(path: string): PathState {
  if (path.indexOf('\u0000') !== -1) return PathState.HasNul
  const n = path.length
  if (n === 0 || path.charCodeAt(0) !== 0x2f) return PathState.Invalid
  if (n === 1) return PathState.Valid
  if (path.charCodeAt(n - 1) === 0x2f) return PathState.Invalid
  let last = 0x2f
  for (let i = 1; i < n; i++) {
    const c = path.charCodeAt(i)
    if (c === 0x2f && last === 0x2f) return PathState.Invalid
    if (c === 0x2e) {
      // "/." or "/.." as a whole segment
      const nextIsEnd = i + 1 === n || path.charCodeAt(i + 1) === 0x2f
      if (last === 0x2e && path.charCodeAt(i - 2) === 0x2f && nextIsEnd) return PathState.Invalid
      if (last === 0x2f && nextIsEnd) return PathState.Invalid
    } else if (
      (c > 0x00 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return PathState.Invalid
    }
    last = c
  }
  return PathState.Valid
}

/** Java's `s.split(sep)` drops trailing empty strings; count what it would return. */
function javaSplitCount(s: string, sep: string): number {
  const parts = s.split(sep)
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
  return parts.length
}

/**
 * The auth providers registered besides ZooKeeper's defaults (ip, digest).
 * Process-wide, as ZooKeeper's ProviderRegistry is: a server configured with
 * SASL users registers `sasl` at start.
 */
const extraSchemes = new Set<string>()

/** ProviderRegistry.addOrUpdateProvider: ACL ids of `scheme` become valid. */
export function registerAuthScheme(scheme: 'sasl'): void {
  extraSchemes.add(scheme)
}

/** KerberosName's parser: a name with '@' must be service[/host]@realm. */
function kerberosNameValid(id: string): boolean {
  return id.indexOf('@') === -1 || /^[^/@]+(\/[^/@]+)?@[^/@]+$/.test(id)
}

/** IPAuthenticationProvider.isValid: ZooKeeper 3.8 parses IPv4 only (IPv6 ids are INVALIDACL there). */
function ipIdValid(id: string): boolean {
  const slash = id.indexOf('/')
  const addr = slash === -1 ? id : id.slice(0, slash)
  if (isIP(addr) !== 4 && !javaV4(addr)) return false
  if (slash === -1) return true
  const bits = id.slice(slash + 1)
  if (!/^[+-]?\d+$/.test(bits)) return false
  const b = Number(bits)
  return b >= 0 && b <= 32
}

/** Four dot-separated Integer.parseInt values in 0..255 ("010.+1.0.0" included, as Java accepts it). */
function javaV4(addr: string): boolean {
  const parts = addr.split('.')
  if (parts.length !== 4) return false
  return parts.every((p) => /^[+-]?\d{1,10}$/.test(p) && Number(p) >= 0 && Number(p) <= 255)
}

/** ServerAuthenticationProvider.isValid for the providers a ZooKeeper registers. */
function aclIdValid(acl: ACL): boolean {
  const { scheme, id } = acl.id
  switch (scheme) {
    case 'world':
      return id === 'anyone'
    case 'auth':
      return true // expanded by the engine from the session's identities
    case 'digest':
      return javaSplitCount(id, ':') === 2
    case 'ip':
      return ipIdValid(id)
    case 'sasl':
      return extraSchemes.has('sasl') && kerberosNameValid(id)
    default:
      return false
  }
}

function prepareOne(req: Request | SubRequest): void {
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL: {
      // a sequential name only appends digits; validating with one digit is exact
      const sequential = (req.flags & CreateFlag.PERSISTENT_SEQUENTIAL) !== 0
      req.pathState = pathState(sequential ? req.path + '0' : req.path)
      req.aclInvalid = req.acl.some((a) => !aclIdValid(a))
      break
    }
    case OpCode.setACL:
      req.pathState = pathState(req.path)
      req.aclInvalid = req.acl.some((a) => !aclIdValid(a))
      break
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.setData:
    case OpCode.check:
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      req.pathState = pathState(req.path)
      break
    case OpCode.multi:
    case OpCode.multiRead:
      for (const op of req.ops) prepareOne(op)
      break
    default:
      break
  }
}

/** Annotate a request (in place) with the runtime-dependent verdicts the engine needs. */
export function prepareRequest<T extends Request>(req: T): T {
  prepareOne(req)
  return req
}
