// ACLs in JSON: { scheme, id, perms } with perms as zkCli prints them
// ("cdrwa"); an integer mask is accepted on input too.

import { Perm } from '../engine/codes'
import type { ACL } from '../engine/types'
import { badArguments } from './errors'

export interface JsonAcl {
  scheme: string
  id: string
  perms: string | number
}

// zkCli's order: c d r w a
const LETTERS: ReadonlyArray<[string, Perm]> = [['c', Perm.CREATE], ['d', Perm.DELETE], ['r', Perm.READ], ['w', Perm.WRITE], ['a', Perm.ADMIN]]

export function permsText (mask: number): string {
  let s = ''
  for (const [letter, bit] of LETTERS) if ((mask & bit) !== 0) s += letter
  return s
}

function permsMask (perms: string | number): number {
  if (typeof perms === 'number') {
    if (!Number.isInteger(perms) || perms < 0 || perms > Perm.ALL) throw badArguments(`perms ${perms} is not a mask in 0..31`)
    return perms
  }
  let mask = 0
  for (const ch of perms) {
    const entry = LETTERS.find(([l]) => l === ch)
    if (entry === undefined) throw badArguments(`perms '${perms}' may only hold the letters c, d, r, w, a`)
    mask |= entry[1]
  }
  return mask
}

/** world:anyone:cdrwa, ZooKeeper's OPEN_ACL_UNSAFE (what zkCli's create uses). */
export const OPEN_ACL: ACL[] = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]

export function fromJsonAcl (acl: readonly JsonAcl[]): ACL[] {
  return acl.map((a) => ({ perms: permsMask(a.perms), id: { scheme: a.scheme, id: a.id } }))
}

export function toJsonAcl (acl: readonly ACL[]): Array<{ scheme: string, id: string, perms: string }> {
  return acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permsText(a.perms) }))
}
