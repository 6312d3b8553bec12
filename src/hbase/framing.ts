// The two wrappers around every non-empty HBase znode value:
// RecoverableZooKeeper's metadata header (0xFF | int32 BE idLen | id + 8 salt
// bytes | payload; HBase's ZKMetadata) and ProtobufMagic's "PBUF" prefix.
// Pure functions over bytes; they report problems as values, never throw.

/** Who wrote the value, from the RecoverableZooKeeper header. */
export interface WriterInfo {
  /** the writer's identifier, e.g. "master:16000" followed by a session id (decoded as UTF-8) */
  id: string
  /** the 8 random salt bytes, hex */
  salt: string
}

export type Unframed =
  | { ok: true, writer: WriterInfo | null, payload: Uint8Array }
  | { ok: false, reason: string }

const MAGIC = 0xff
const SALT_LEN = 8
const PB_MAGIC = [0x50, 0x42, 0x55, 0x46] // "PBUF"

/** Strips the metadata header when there is one (values without it are returned as they are, like ZKMetadata.removeMetaData does). */
export function stripWriterHeader (data: Uint8Array): Unframed {
  if (data.length === 0 || data[0] !== MAGIC) return { ok: true, writer: null, payload: data }
  if (data.length < 5) return { ok: false, reason: `metadata header truncated: ${data.length} bytes, need at least 5` }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const idLen = view.getInt32(1, false)
  if (idLen < SALT_LEN || 5 + idLen > data.length) {
    return { ok: false, reason: `metadata header id length ${idLen} does not fit ${data.length} bytes` }
  }
  const idEnd = 5 + idLen - SALT_LEN
  const writer: WriterInfo = {
    id: Buffer.from(data.buffer, data.byteOffset + 5, idEnd - 5).toString('utf8'),
    salt: Buffer.from(data.buffer, data.byteOffset + idEnd, SALT_LEN).toString('hex')
  }
  return { ok: true, writer, payload: data.subarray(5 + idLen) }
}

/** The protobuf after "PBUF", or why there is none. */
export function stripPbMagic (payload: Uint8Array): { ok: true, message: Uint8Array } | { ok: false, reason: string } {
  if (payload.length < PB_MAGIC.length || PB_MAGIC.some((b, i) => payload[i] !== b)) {
    const head = Buffer.from(payload.subarray(0, 8)).toString('hex')
    return { ok: false, reason: payload.length === 0 ? 'no payload after the metadata header' : `no PBUF magic (payload starts with ${head})` }
  }
  return { ok: true, message: payload.subarray(PB_MAGIC.length) }
}
