// Where the nodes are. Each upstream is given as a WebSocket base URL
// (`ws://lb:8080`); the ZooKeeper endpoint is `/v1/zk` below it and the
// four-letter words are served over plain HTTP at `/v1/fourletter/<word>`.

export interface Upstream {
  /** the WebSocket URL of the session endpoint */
  readonly zk: string
  /** the WebSocket URL of the multiplexed session endpoint (many connections per WebSocket) */
  readonly mux: string
  /** the HTTP base for other endpoints, without a trailing slash */
  readonly http: string
  /** as given, for logs */
  readonly label: string
}

export class UpstreamUrlError extends Error {
  override name = 'UpstreamUrlError'
}

const ZK_PATH = '/v1/zk'

/** One upstream URL. `ws://h:p`, `ws://h:p/` and `ws://h:p/v1/zk` all mean the same node; another path is a prefix. */
export function parseUpstream (raw: string): Upstream {
  const text = raw.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UpstreamUrlError(`'${raw}' is not a URL (expected ws://host:port)`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UpstreamUrlError(`'${raw}' is not a ws:// or wss:// URL`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UpstreamUrlError(`'${raw}' must not have a query or fragment`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new UpstreamUrlError(`'${raw}' must not carry credentials`)
  }
  let path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith(ZK_PATH)) path = path.substring(0, path.length - ZK_PATH.length)
  const host = url.host
  return {
    zk: `${url.protocol}//${host}${path}${ZK_PATH}`,
    mux: `${url.protocol}//${host}${path}${ZK_PATH}/mux`,
    http: `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${host}${path}`,
    label: text
  }
}

/** A comma-separated list (the --upstream flag), in the order given. */
export function parseUpstreams (list: string | readonly string[]): Upstream[] {
  const items = (typeof list === 'string' ? list.split(',') : list.flatMap((s) => s.split(',')))
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UpstreamUrlError('no upstream given (expected ws://host:port[,ws://…])')
  return items.map(parseUpstream)
}
