// One process per data directory. The lock is a file holding the owner's pid
// and, on Linux, the owner's start time; it is created atomically (hard link
// of a private file, so it is never seen empty). A lock whose owner is gone is
// taken over. Node has no flock(), and a pid file is also what an operator can
// read when the store refuses to open.
//
// Why the start time: after a crash and restart, especially in a container,
// the new process often gets the same pid as the dead owner, or a pid some
// unrelated process now holds. A pid alone would then refuse to start.

import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { StoreOpenError, describeIoError } from './errors'
import { LOCK_FILE, inDir } from './files'

/** Directories this process holds: the only way to tell our live lock from a dead process's that had our pid. */
const held = new Set<string>()

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or '' where there is no /proc. */
function startTime(pid: number | 'self'): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may contain spaces and parentheses: split after its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] ?? ''
  } catch {
    return ''
  }
}

interface Owner {
  pid: number
  start: string
}

function readOwner(path: string): Owner | undefined {
  try {
    const [pid, start] = readFileSync(path, 'utf8').trim().split(' ')
    const n = Number.parseInt(pid ?? '', 10)
    return Number.isSafeInteger(n) && n > 0 ? { pid: n, start: start ?? '' } : undefined
  } catch {
    return undefined
  }
}

function isAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (owner.start === '') return true
  const now = startTime(owner.pid)
  // a different start time: the pid was reused by another process
  return now === '' || now === owner.start
}

/** Take the lock or throw StoreOpenError; returns the release function. */
export function acquireLock(dir: string): () => void {
  if (held.has(dir)) throw new StoreOpenError(`data directory ${dir} is already open in this process`)
  const path = inDir(dir, LOCK_FILE)
  const mine = inDir(dir, `${LOCK_FILE}.${process.pid}`)
  const me: Owner = { pid: process.pid, start: startTime('self') }
  try {
    writeFileSync(mine, `${me.pid} ${me.start}`.trim() + '\n')
  } catch (err) {
    throw new StoreOpenError(`cannot write in data directory ${dir}: ${describeIoError(err)}`, { cause: err })
  }
  try {
    takeLock(dir, path, mine)
  } finally {
    try {
      unlinkSync(mine)
    } catch {
      // best effort: a leftover LOCK.<pid> is harmless
    }
  }
  held.add(dir)
  return () => {
    held.delete(dir)
    const owner = readOwner(path)
    if (owner === undefined || owner.pid !== me.pid || owner.start !== me.start) return
    try {
      unlinkSync(path)
    } catch {
      // already gone: nothing to release
    }
  }
}

function takeLock(dir: string, path: string, mine: string): void {
  // two attempts: the second after clearing a stale lock
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(mine, path)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreOpenError(`cannot create the lock file ${path}: ${describeIoError(err)}`, { cause: err })
      }
    }
    const owner = readOwner(path)
    // our own pid here is a previous process's lock (held covers this one's)
    if (owner !== undefined && owner.pid !== process.pid && isAlive(owner)) {
      throw new StoreOpenError(`data directory ${dir} is in use by process ${owner.pid} (lock file ${path}; remove it if that process is not a redkeeper)`)
    }
    try {
      unlinkSync(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StoreOpenError(`cannot remove the stale lock file ${path}: ${describeIoError(err)}`, { cause: err })
      }
    }
  }
  throw new StoreOpenError(`cannot lock data directory ${dir}: another process keeps taking ${path}`)
}
