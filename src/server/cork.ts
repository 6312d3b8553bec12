// Write batching for busy sockets. Every write() on an uncorked net.Socket
// is a syscall of its own; under load a node issues dozens of Redis commands
// and WebSocket messages per event-loop turn, and those syscalls, not the
// work, were what its CPU went to. Corking a socket at its first write of a
// turn and uncorking it in setImmediate (after every I/O callback of that
// poll phase) sends the turn's writes in one writev, in the same order.

import type { Writable } from 'node:stream'

const held = new Set<Writable>()
let scheduled = false

function flush (): void {
  scheduled = false
  for (const s of held) {
    // a destroyed stream drops its buffered writes either way
    if (!s.destroyed) s.uncork()
  }
  held.clear()
}

/** Holds `stream`'s writes until the end of this event-loop turn (corks it at most once per turn). */
export function holdUntilTurnEnd (stream: Writable): void {
  if (held.has(stream)) return
  stream.cork()
  held.add(stream)
  if (!scheduled) {
    scheduled = true
    setImmediate(flush)
  }
}

/**
 * The TCP socket under a `ws` WebSocket (its `_socket`: ws has no public
 * way to batch frames); undefined before it is connected or after it closed.
 */
export function socketOfWebSocket (ws: object): Writable | undefined {
  const s = (ws as { _socket?: Writable | null })._socket
  return s === null ? undefined : s
}
