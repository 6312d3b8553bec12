// The slice of pino's Logger the store uses, and a silent default so callers
// that pass no logger pay nothing.

export interface StoreLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

const noop = (): void => {}

export const silentLogger: StoreLogger = { info: noop, warn: noop, error: noop }
