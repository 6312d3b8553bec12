// Shared by the codec tests: byte vectors written as hex, an open ACL, and
// the body of one frame.
import type { ACL } from '../../src/engine/types'
import { FrameDecoder } from '../../src/protocol'

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
export const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

export function body (frame: Buffer): Buffer {
  let out: Buffer | undefined
  new FrameDecoder().push(frame, (f) => { out = Buffer.from(f) })
  if (out === undefined) throw new Error('no frame')
  return out
}
