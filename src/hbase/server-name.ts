// HBase's ServerName: "host,port,startcode" in znode names (ServerName.toString)
// and {host_name, port, start_code} in protobufs.

export interface ServerNameView {
  /** "host,port,startcode", as HBase prints it and names znodes */
  name: string
  host: string
  port: number
  /** the server's start time in ms since the epoch (HBase's start code) */
  startCode: number
  /** startCode as an ISO date, for people */
  startedAt: string | null
}

export function serverNameView (host: string, port: number, startCode: number): ServerNameView {
  const d = new Date(startCode)
  return { name: `${host},${port},${startCode}`, host, port, startCode, startedAt: Number.isNaN(d.getTime()) ? null : d.toISOString() }
}

/** Parses a znode name like "localhost,16020,1700000000000"; null when it is not one. */
export function parseServerName (name: string): ServerNameView | null {
  const m = /^([^,]+),(\d{1,5}),(\d{1,16})$/.exec(name)
  if (m === null) return null
  const port = Number(m[2])
  const startCode = Number(m[3])
  if (port > 65535 || !Number.isSafeInteger(startCode)) return null
  return serverNameView(m[1], port, startCode)
}
