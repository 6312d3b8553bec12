// Raw-wire sequences for the auth tests: each runs on a fresh connection
// (handshake included) and yields a transcript of its replies as text.

import { JuteWriter, RawConn, parseReply, requestFrame } from '../support/wire'
import { digestResponse } from './digest-client'
import type { Started } from './servers'

export const AUTH = 100
export const SASL = 102
export const WHOAMI = 107

export function authBody (scheme: string, auth: string): Buffer {
  return new JuteWriter().int(0).string(scheme).string(auth).bytes()
}
export function saslBody (token: Buffer): Buffer {
  return new JuteWriter().buffer(token).bytes()
}

/**
 * One reply as text: xid, err, the body in hex. The zxid is kept only where
 * ZooKeeper fixes it (auth and sasl replies carry 0); `token` replaces a
 * SASL challenge's random body by its shape.
 */
export function show (f: Buffer | null, opts: { zxid?: boolean, token?: boolean } = {}): string {
  if (f === null) return 'closed'
  const r = parseReply(f)
  const zxid = opts.zxid === false ? '' : ` zxid=${r.zxid}`
  let body = r.body.toString('hex')
  if (opts.token === true && r.body.length >= 4) {
    const len = r.body.readInt32BE(0)
    body = `token(${len > 0 ? 'some' : len}) ${r.body.subarray(4, 12).toString()}`
  }
  return `xid=${r.xid}${zxid} err=${r.err} body=${body}`
}

export type Sequence = (c: RawConn, out: string[]) => Promise<void>

export async function next (c: RawConn): Promise<Buffer | null> {
  return await c.nextFrame(10_000)
}

/**
 * After a refusal: does the server still answer? A probe (exists /) either
 * gets its reply or finds the connection closed.
 */
export async function afterRefusal (c: RawConn, out: string[]): Promise<void> {
  if (!c.isOpen) {
    out.push('connection closed')
    return
  }
  await c.write(requestFrame(99, 3, new JuteWriter().string('/').bool(false).bytes()))
  const f = await next(c)
  // the stat of / differs between servers: only the error code is kept
  out.push(f === null ? 'connection closed' : `connection open: err=${parseReply(f).err}`)
}

/** Runs `seq` on a fresh connection to `s`. */
export async function runSequence (s: Started, seq: Sequence): Promise<string[]> {
  const c = await RawConn.open(s.host, s.port)
  try {
    await c.handshake()
    const out: string[] = []
    await seq(c, out)
    return out
  } finally {
    c.destroy()
  }
}

/** A full DIGEST-MD5 exchange as `user` (xids 1 and 2), its replies into `out`. */
export async function saslLogin (c: RawConn, out: string[], user: string, password: string): Promise<void> {
  await c.write(requestFrame(1, SASL, saslBody(Buffer.alloc(0))))
  const challenge = await next(c)
  out.push(show(challenge, { token: true }))
  if (challenge === null || parseReply(challenge).err !== 0) return
  await c.write(requestFrame(2, SASL, saslBody(digestResponse(parseReply(challenge).body.subarray(4), user, password))))
  out.push(show(await next(c), { token: true }))
}
