// Sequential names come from the parent's child counter (its cversion), and
// the client protocol cannot set a counter. An imported parent's counter
// starts from the creates the import made, which may be below the suffixes
// of the children it copied; the next sequential create there would then
// collide with (or sort before) an imported name. We lift the counter by
// creating sequential filler children in batches (one multi) and deleting
// them (another multi), reading the names the server hands out until they
// pass the highest imported suffix.

import { CreateFlag, OpCode } from '../engine/codes'
import type { SubRequest } from '../engine/types'
import { OPEN_ACL, type Endpoint } from './endpoint'
import { TransferError } from './errors'

const SUFFIX = /(\d{10})$/
const BATCH = 1000
export const FILLER_PREFIX = '.redkeeper-import-filler-'

/**
 * The suffix of a name that may have been made sequential: ten digits at the
 * end, and below the parent's counter in the source (the children it ever
 * created: a suffix is the counter value at its create, and it only grows). HBase's meta region
 * "1588230740" under a young parent is thus not taken for one.
 */
export function sequentialSuffix (name: string, parentCreates: number): number | undefined {
  const m = SUFFIX.exec(name)
  if (m === null) return undefined
  const n = Number(m[1])
  return n < parentCreates ? n : undefined
}

/** Makes the next sequential name under `wireParent` end in at least `needed`; returns the filler creates it took (at most `budget`, named `budgetName` in the error). */
export async function liftSequence (dst: Endpoint, wireParent: string, needed: number, budget: number, budgetName = `${budget}`): Promise<number> {
  const prefix = (wireParent === '/' ? '' : wireParent) + '/' + FILLER_PREFIX
  let made = 0
  // A first single create reads the counter; most parents need nothing more.
  let batch = 1
  for (;;) {
    const creates: SubRequest[] = []
    for (let i = 0; i < batch; i++) {
      creates.push({ type: OpCode.create, path: prefix, data: null, dataLength: 0, acl: OPEN_ACL, flags: CreateFlag.PERSISTENT_SEQUENTIAL })
    }
    const c = dst.check(await dst.send({ type: OpCode.multi, ops: creates }), 'create sequential fillers under', wireParent)
    const names = (c.body?.results ?? []).map((r) => ('path' in r ? r.path : ''))
    made += batch
    const deletes: SubRequest[] = names.map((path) => ({ type: OpCode.delete, path, version: -1 }))
    dst.check(await dst.send({ type: OpCode.multi, ops: deletes }), 'delete sequential fillers under', wireParent)
    const last = Number(SUFFIX.exec(names[names.length - 1] ?? '')?.[1] ?? NaN)
    if (!Number.isFinite(last)) throw new TransferError(`the target named a sequential filler under ${wireParent} '${names[names.length - 1] ?? ''}': not a sequential name`)
    const next = last + 1
    if (next >= needed) return made
    const remaining = needed - next
    if (made + remaining > budget) {
      throw new TransferError(`lifting the sequence counter of ${wireParent} to ${needed} takes ${remaining} more filler creates, over the budget (--max-fill ${budgetName}): a sequential create there may collide with an imported name`)
    }
    batch = Math.min(BATCH, remaining)
  }
}
