// ACL checks as ZooKeeperServer.checkACL and PrepRequestProcessor.fixupACL do
// them. Scheme-specific validity of ids is decided in prepare.ts (JavaScript);
// matching here is exact-id, which is what the digest and sasl providers do.

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
      if (id.scheme === a.id.scheme && id.id === a.id.id) return true
    }
  }
  return false
}

/**
 * The ACL a create or setACL stores: duplicates removed, `auth` entries
 * expanded to the caller's identities. Undefined means INVALIDACL.
 */
export function fixupAcl(acl: ACL[], auth: Id[], aclInvalid: boolean | undefined): ACL[] | undefined {
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
  if (unique.length === 0 || aclInvalid === true) return undefined
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
