// Errors raised by the jute codec. Each one means "this connection sent bytes
// we cannot trust", so the server can answer or close just that connection
// and never let a malformed record reach the engine.

/** A record was truncated, had an impossible length, or held a value jute cannot carry. */
export class JuteDecodeError extends Error {
  override name = 'JuteDecodeError'
}

/** A frame's length prefix is negative or above jute.maxbuffer. */
export class FrameTooLargeError extends JuteDecodeError {
  override name = 'FrameTooLargeError'
  constructor (readonly length: number, readonly maxBuffer: number) {
    super(length < 0
      ? `frame length ${length} is negative`
      : `frame length ${length} exceeds jute.maxbuffer (${maxBuffer} bytes)`)
  }
}

/** The request header named an opcode this codec has no record for; ZooKeeper answers UNIMPLEMENTED. */
export class UnknownOpcodeError extends JuteDecodeError {
  override name = 'UnknownOpcodeError'
  constructor (readonly opcode: number) {
    super(`unknown opcode ${opcode}`)
  }
}

/** A value handed to an encoder cannot be written as the record asks (a programming error, not bad input). */
export class JuteEncodeError extends Error {
  override name = 'JuteEncodeError'
}
