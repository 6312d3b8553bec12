// Why a transfer stopped. Every message is one line a script or an operator
// can act on; the CLI prints it after "redkeeper: " and exits 1.

/** The source or target answered something the transfer cannot get past (NOAUTH, a vanished parent, ...). */
export class TransferError extends Error {
  override name = 'TransferError'
}

/** A dump file that cannot be trusted: not ours, a newer version, a garbled or truncated line. */
export class DumpFormatError extends Error {
  override name = 'DumpFormatError'
  constructor (readonly file: string, readonly line: number, reason: string) {
    super(line > 0 ? `${file} line ${line}: ${reason}` : `${file}: ${reason}`)
  }
}
