// ACL checks as ZooKeeperServer.checkACL and PrepRequestProcessor.fixupACL do
// them. Scheme-specific validity of ids is decided in prepare.ts (JavaScript);
// matching is each provider's `matches`: exact for digest, exact or "super"
// for sasl, a masked IPv4 prefix for ip. This file is compiled to Lua too, so
// it parses with charCodeAt and arithmetic only (no regexps, no split).

import type { ACL, Id } from './types'

function sameAcl(a: ACL, b: ACL): boolean {
  return a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id
}

/** True when `auth` may perform `perm` on a node carrying `acl`. */
export function allowed(acl: ACL[], perm: number, auth: Id[]): boolean {
  if (acl.length === 0) return true
  for (const id of auth) {
    if (id.scheme === 'super') return true
  }
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue
    if (a.id.scheme === 'world' && a.id.id === 'anyone') return true
    for (const id of auth) {
      if (id.scheme === a.id.scheme && matches(id.scheme, id.id, a.id.id)) return true
    }
  }
  return false
}

/** AuthenticationProvider.matches of the provider for `scheme`. */
function matches(scheme: string, id: string, aclExpr: string): boolean {
  if (scheme === 'ip') return ipMatches(id, aclExpr)
  if (scheme === 'sasl') return id === 'super' || id === aclExpr
  return id === aclExpr
}

/** Java's Integer.parseInt for ASCII input: optional sign, digits, int32 range. */
function javaInt(s: string): number | undefined {
  const n = s.length
  let i = 0
  let negative = false
  if (n > 0 && (s.charCodeAt(0) === 0x2b || s.charCodeAt(0) === 0x2d)) {
    negative = s.charCodeAt(0) === 0x2d
    i = 1
  }
  if (i === n) return undefined
  let v = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
    v = v * 10 + (c - 0x30)
    if (v > 2147483648) return undefined
  }
  if (negative) return -v
  return v <= 2147483647 ? v : undefined
}

/**
 * IPAuthenticationProvider.v4addr2Bytes: exactly four dot-separated ints in
 * 0..255. ZooKeeper 3.8 has no IPv6 parser here (its own TODO), so an IPv6
 * peer or expression never matches.
 */
function v4Bytes(addr: string): number[] | undefined {
  const out: number[] = []
  let start = 0
  const n = addr.length
  for (let i = 0; i <= n; i++) {
    if (i === n || addr.charCodeAt(i) === 0x2e) {
      const v = javaInt(addr.substring(start, i))
      if (v === undefined || v < 0 || v > 255) return undefined
      out.push(v)
      start = i + 1
    }
  }
  return out.length === 4 ? out : undefined
}

const POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256]

/** IPAuthenticationProvider.matches: `aclExpr` is "a.b.c.d" or "a.b.c.d/bits". */
export function ipMatches(id: string, aclExpr: string): boolean {
  const slash = aclExpr.indexOf('/')
  const acl = v4Bytes(slash === -1 ? aclExpr : aclExpr.substring(0, slash))
  if (acl === undefined) return false
  let bits = 32
  if (slash !== -1) {
    const b = javaInt(aclExpr.substring(slash + 1))
    if (b === undefined || b < 0 || b > 32) return false
    bits = b
  }
  const remote = v4Bytes(id)
  if (remote === undefined) return false
  for (let i = 0; i < 4; i++) {
    const keep = bits - i * 8
    if (keep <= 0) return true
    // the first `keep` bits of this byte: divide away the rest
    const unit = keep >= 8 ? 1 : POW2[8 - keep]
    if (Math.floor(remote[i] / unit) !== Math.floor(acl[i] / unit)) return false
  }
  return true
}

/** No `auth` entry and no duplicate: fixupAcl would copy the list unchanged. */
function storedAsIs(acl: ACL[]): boolean {
  for (let i = 0; i < acl.length; i++) {
    if (acl[i].id.scheme === 'auth') return false
    for (let j = 0; j < i; j++) if (sameAcl(acl[j], acl[i])) return false
  }
  return true
}

/**
 * The ACL a create or setACL stores: duplicates removed, `auth` entries
 * expanded to the caller's identities. Undefined means INVALIDACL.
 */
export function fixupAcl(acl: ACL[], auth: Id[], aclInvalid: boolean | undefined): ACL[] | undefined {
  if (aclInvalid === true || acl.length === 0) return undefined
  // nearly every request sends a list with no duplicates and no auth entry
  // (one world:anyone entry, mostly): that list is stored as it came
  if (storedAsIs(acl)) return acl
  const unique: ACL[] = []
  for (const a of acl) {
    let seen = false
    for (const u of unique) {
      if (sameAcl(u, a)) {
        seen = true
        break
      }
    }
    if (!seen) unique.push(a)
  }
  if (unique.length === 0) return undefined
  const out: ACL[] = []
  for (const a of unique) {
    if (a.id.scheme !== 'auth') {
      out.push(a)
      continue
    }
    let any = false
    for (const id of auth) {
      // the ip provider is the one that reports isAuthenticated() false
      if (id.scheme !== 'ip' && id.scheme !== 'world') {
        any = true
        out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } })
      }
    }
    if (!any) return undefined
  }
  return out
}
