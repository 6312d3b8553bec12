// Host facts for `conf`, `dirs` and `mntr`. Only computed when one of those
// commands asks, never on the request path.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Bytes used by the files under `dir` (ZooKeeper's dataDirSize). */
export function directorySize (dir: string): number {
  let total = 0
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    try {
      if (e.isDirectory()) total += directorySize(p)
      else if (e.isFile()) total += statSync(p).size
    } catch { /* vanished while we looked: skip */ }
  }
  return total
}

/** Open descriptors of this process, where the OS tells (Linux /proc). */
export function openFileDescriptors (): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

/** The soft limit on open descriptors, where the OS tells. */
export function maxFileDescriptors (): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m === null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}
