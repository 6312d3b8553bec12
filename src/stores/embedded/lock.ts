// One process per data directory. The lock is a file holding the owner's pid,
// created with O_EXCL; a lock whose pid is no longer running (the owner was
// killed) is taken over. Node has no flock(), and a pid file is also what an
// operator can read when the store refuses to open.

import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { StoreOpenError, describeIoError } from './errors'
import { LOCK_FILE, inDir } from './files'

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Take the lock or throw StoreOpenError; returns the release function. */
export function acquireLock(dir: string): () => void {
  const path = inDir(dir, LOCK_FILE)
  // The pid is written to a private file first and then hard-linked into
  // place, so LOCK never exists empty: a competitor that reads it always sees
  // a pid, and never mistakes a lock being created for a stale one.
  const mine = inDir(dir, `${LOCK_FILE}.${process.pid}`)
  try {
    writeFileSync(mine, `${process.pid}\n`)
  } catch (err) {
    throw new StoreOpenError(`cannot write in data directory ${dir}: ${describeIoError(err)}`, { cause: err })
  }
  try {
    return takeLock(dir, path, mine)
  } finally {
    try {
      unlinkSync(mine)
    } catch {
      // best effort: a leftover LOCK.<pid> is harmless
    }
  }
}

function takeLock(dir: string, path: string, mine: string): () => void {
  // two attempts: the second after clearing a stale lock
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(mine, path)
      return () => {
        try {
          if (readOwner(path) === process.pid) unlinkSync(path)
        } catch {
          // already gone: nothing to release
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') {
        throw new StoreOpenError(`cannot write the lock file ${path}: ${describeIoError(err)}`, { cause: err })
      }
    }
    const owner = readOwner(path)
    if (owner !== undefined && isRunning(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`
      throw new StoreOpenError(`data directory ${dir} is in use by ${who} (lock file ${path})`)
    }
    // The owner died (or wrote nothing before dying): the lock is stale.
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
