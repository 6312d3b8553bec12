// Errors the embedded store throws. StoreOpenError is for humans (the CLI
// prints its message as one line and exits); the others are programming or
// I/O failures the server reports and stops on.

/** The store cannot be opened: what, where, why, on one line. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * The store refuses a call: it is closed, a mutating primitive was called
 * outside transact(), or an earlier log write/fsync failed. After an I/O
 * failure nothing more is acknowledged, because we can no longer tell what
 * reached the disk (an fsync error may have dropped dirty pages).
 */
export class StoreStateError extends Error {
  override name = 'StoreStateError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A log record or snapshot fails to decode; recovery turns it into a StoreOpenError. */
export class CorruptDataError extends Error {
  override name = 'CorruptDataError'
}

/** Node's errno errors carry a code; show it, or the message when there is none. */
export function describeIoError(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown }
    if (typeof e.code === 'string') return e.code
    if (typeof e.message === 'string') return e.message
  }
  return String(err)
}
