// A small REST client for the operator commands, over Node's fetch. It sorts
// every failure into the CLI's exit codes: the server answered with a
// refusal (1), or it could not be asked at all / refused the credentials (3).

export const EXIT_REFUSED = 1
export const EXIT_UNREACHABLE = 3

/** The server answered with a ZooKeeper (or REST) error: exit 1. */
export class ServerRefusal extends Error {
  override name = 'ServerRefusal'
  constructor (readonly status: number, readonly error: string, message: string) {
    super(message)
  }
}

/** No answer (connection refused, DNS, timeout), 401, or 503: exit 3. */
export class Unreachable extends Error {
  override name = 'Unreachable'
}

export interface Credentials {
  /** the whole Authorization header value */
  authorization?: string
}

export interface ApiOptions {
  server: string
  credentials: Credentials
  timeoutMs: number
}

export interface CallOptions {
  query?: Record<string, string | number | boolean>
  body?: unknown
  ifMatch?: number
}

/** "/a b/c" → "a%20b/c": each name percent-encoded, so `?` or `#` in a name stays a name. */
export function encodePath (path: string): string {
  return path.split('/').slice(1).map(encodeURIComponent).join('/')
}

export class ApiClient {
  constructor (readonly opts: ApiOptions) {}

  /** Calls `method route`; resolves to the parsed JSON body of a 2xx reply. */
  async call (method: string, route: string, call: CallOptions = {}): Promise<unknown> {
    const url = new URL(this.opts.server + route)
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.opts.credentials.authorization !== undefined) headers.authorization = this.opts.credentials.authorization
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    if (call.ifMatch !== undefined) headers['if-match'] = `"${call.ifMatch}"`
    let res: Response
    let text: string
    // A ref'd timer, not AbortSignal.timeout (unref'd): a fetch that stalls
    // with no socket left would otherwise let the process exit 0 mid-request.
    const abort = new AbortController()
    const timer = setTimeout(() => { abort.abort(new Unreachable('timed out')) }, this.opts.timeoutMs)
    try {
      res = await fetch(url, {
        method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: abort.signal
      })
      text = await res.text()
    } catch (err) {
      throw new Unreachable(`cannot reach ${this.opts.server}: ${reason(err)}`)
    } finally {
      clearTimeout(timer)
    }
    const body = this.parse(res, text)
    if (res.ok) return body
    throw this.refusal(res, body, method, url)
  }

  /** The JSON body of an answer; Unreachable when it is not JSON (not a redkeeper port). */
  parse (res: Response, text: string): unknown {
    try {
      return text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new Unreachable(`${this.opts.server} answered ${res.status} with a body that is not JSON: is it a redkeeper REST port?`)
    }
  }

  /** A non-2xx answer as the error its exit code stands for. */
  refusal (res: Response, body: unknown, method: string, url: URL): ServerRefusal | Unreachable {
    const e = (body ?? {}) as { error?: unknown, message?: unknown }
    const error = typeof e.error === 'string' ? e.error : `HTTP ${res.status}`
    const message = typeof e.message === 'string' ? e.message : res.statusText
    if (res.status === 401 || res.status === 503) return new Unreachable(`${error}: ${message}`)
    // Fastify's own 404 ("Not Found"): the route does not exist on that server
    if (res.status === 404 && !/^[A-Z][A-Z0-9_]*$/.test(error)) {
      return new Unreachable(`${this.opts.server} has no route ${method} ${url.pathname}: is it a redkeeper REST port of this version?`)
    }
    return new ServerRefusal(res.status, error, message)
  }
}

export function reason (err: unknown): string {
  const e = err as { name?: string, message?: string, cause?: { code?: string, message?: string } }
  if (err instanceof Unreachable) return err.message
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)
}
