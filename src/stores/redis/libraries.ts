// Several builds of the library in one Redis, for rolling upgrades: each
// build is its own library (`redkeeper_<version>`, functions suffixed
// `_<version>`, scripts/build-lua.js), so old and new nodes both keep
// their own code loaded while they share the data. Nodes say which build
// they run in one sorted set (version → last time, ms), and a library no
// node has named for LIBRARY_IN_USE_MS is deleted by the next prune (any
// node's, at start and then every minute). A node whose library was
// deleted anyway (it was paused for longer than that, or someone ran
// FUNCTION FLUSH) loads it again on its next call (engine.ts).
//
// The data is shared, so its layout is versioned separately: STORE_FORMAT,
// kept in `{ns}:format`, written by the first node of a namespace, and a
// build that reads another format refuses to start (StoreFormatError)
// instead of misreading or rewriting what the others wrote.

import type { Redis } from 'ioredis'
import { StoreFormatError } from './errors'
import { LIBRARY_NAME } from './library'

/** The layout of the keys the library writes. Bump it with any incompatible change of that layout. */
export const STORE_FORMAT = 1

/** version → last time (ms) a node running that build said so; one per Redis, as the libraries are */
export const LIBRARIES_KEY = 'redkeeper:libraries'

/** A library that no node has named for this long has no node left. */
export const LIBRARY_IN_USE_MS = 120_000

/** How often a node names its build, and prunes the others (it does both at start as well). */
export const LIBRARY_MARK_EVERY_MS = 10_000
export const LIBRARY_PRUNE_EVERY_MS = 60_000

const VERSIONED = new RegExp(`^${LIBRARY_NAME}_([0-9a-f]+)$`)

/** `redkeeper_<version>` */
export function libraryName (version: string): string {
  return `${LIBRARY_NAME}_${version}`
}

/** The FCALL name of `base` (rk_request, …) in the build `version`. */
export function functionName (base: string, version: string): string {
  return `${base}_${version}`
}

/** Records that a node runs `version` now (never moves the time back: ZADD GT). */
export async function markLibraryInUse (redis: Redis, version: string, now: number): Promise<void> {
  await redis.zadd(LIBRARIES_KEY, 'GT', now, version)
}

/**
 * Deletes the versioned libraries other than `keep` that no node has named
 * within LIBRARY_IN_USE_MS of `now`; returns their names. The unversioned
 * `redkeeper` library of builds before this scheme is left alone: its nodes
 * do not say when they are gone (docs/operations.md, Upgrades).
 */
export async function pruneLibraries (redis: Redis, keep: string, now: number): Promise<string[]> {
  const listed = await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', `${LIBRARY_NAME}_*`) as unknown[]
  const removed: string[] = []
  for (const entry of listed) {
    const name = fieldOf(entry, 'library_name')
    const m = name === undefined ? null : VERSIONED.exec(name)
    if (m === null || m[1] === keep) continue
    const seen = await redis.zscore(LIBRARIES_KEY, m[1])
    if (seen !== null && now - Number(seen) <= LIBRARY_IN_USE_MS) continue
    try {
      await redis.call('FUNCTION', 'DELETE', name as string)
      removed.push(name as string)
    } catch (err) {
      // another node pruned it first
      if (!/library not found/i.test((err as Error).message)) throw err
    }
    await redis.zrem(LIBRARIES_KEY, m[1])
  }
  return removed
}

/** FUNCTION LIST entries are flat [key, value, …] arrays. */
function fieldOf (entry: unknown, key: string): string | undefined {
  if (!Array.isArray(entry)) return undefined
  for (let i = 0; i + 1 < entry.length; i += 2) {
    if (entry[i] === key && typeof entry[i + 1] === 'string') return entry[i + 1] as string
  }
  return undefined
}

/** Stamps an empty namespace with STORE_FORMAT, and refuses one stamped with another format. */
export async function checkStoreFormat (redis: Redis, key: string): Promise<void> {
  const formatKey = `${key}:format`
  // a namespace written before the stamp existed is format 1: the layout it was written with
  await redis.set(formatKey, String(STORE_FORMAT), 'NX')
  const stored = await redis.get(formatKey)
  if (stored !== String(STORE_FORMAT)) throw new StoreFormatError(key, stored ?? '(none)', STORE_FORMAT)
}
