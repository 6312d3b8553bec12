// Errors of the Redis store, one class per cause so callers can tell a
// deployment problem (library not built) from a Redis-side failure.

/** The Lua library has not been built (node scripts/build-lua.js). */
export class LibraryNotBuiltError extends Error {
  override name = 'LibraryNotBuiltError'
  constructor(readonly file: string) {
    super(`redkeeper's Redis Function library is missing at ${file}; build it with: node scripts/build-lua.js`)
  }
}

/** Redis refused or failed an FCALL (the Lua error text is kept). */
export class RedisEngineError extends Error {
  override name = 'RedisEngineError'
  constructor(readonly fn: string, message: string, options?: { cause?: unknown }) {
    super(`${fn}: ${message}`, options)
  }
}

/** A namespace that would break the single-slot key layout. */
export class BadNamespaceError extends Error {
  override name = 'BadNamespaceError'
  constructor(readonly namespace: string) {
    super(`namespace must be 1-64 characters without '{', '}' or whitespace, got ${JSON.stringify(namespace)}`)
  }
}

/** A library file that scripts/build-lua.js did not write. */
export class BadLibraryError extends Error {
  override name = 'BadLibraryError'
}

/** A message on the notice channel that is not a notice. */
export class BadNoticeError extends Error {
  override name = 'BadNoticeError'
  constructor(detail: string) {
    super(`bad notice on the notice channel: ${detail}`)
  }
}

/** The namespace's data was written in a layout this build does not read (libraries.ts, STORE_FORMAT). */
export class StoreFormatError extends Error {
  override name = 'StoreFormatError'
  constructor(readonly key: string, readonly stored: string, readonly expected: number) {
    super(`namespace ${key} holds data format ${stored}; this build reads format ${expected}: run a build of that format against it (docs/operations.md, Upgrades)`)
  }
}
