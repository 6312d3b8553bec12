// `redkeeper watch <path>`: the watch stream (GET /v1/watch, Server-Sent
// Events) printed one line per ZooKeeper event, until --count events,
// --timeout-ms, or Ctrl-C.

import { UsageError } from '../errors'
import type { Io } from '../command'
import { ServerRefusal, Unreachable, reason, type ApiClient } from './http'
import { opCommand, printJson } from './op'
import { bool, intFlag, noMoreThan, znodePath } from './options'
import { SseParser } from './sse'

interface Change { type: string, path: string, zxid?: string, data?: string | null, encoding?: 'text' | 'base64' }

interface Follow {
  path: string
  recursive: boolean
  data: boolean
  /** stop after this many change events */
  count?: number
  /** stop after this long */
  durationMs?: number
  json: boolean
}

/** "dataChanged /a/b 0x1a  = \"text\"": the event, its zxid when the server knows it, the data with --data. */
function line (c: Change): string {
  let s = `${c.type} ${c.path}`
  if (c.zxid !== undefined) s += ` ${c.zxid}`
  if (c.data !== undefined) s += c.data === null ? '  = null' : c.encoding === 'base64' ? `  = base64:${c.data}` : `  = ${JSON.stringify(c.data)}`
  return s + '\n'
}

function parseJson (data: string): any {
  try {
    return JSON.parse(data)
  } catch {
    throw new Unreachable('the server sent an event that is not JSON: is it a redkeeper REST port?')
  }
}

type Stop = 'count' | 'timeout' | 'signal'

/** Follows the stream; resolves with why it stopped as asked, throws ServerRefusal / Unreachable otherwise. */
async function follow (api: ApiClient, f: Follow, io: Io): Promise<{ stop: Stop, seen: number }> {
  const server = api.opts.server
  const url = new URL(server + '/v1/watch')
  url.searchParams.set('path', f.path)
  url.searchParams.set('recursive', String(f.recursive))
  url.searchParams.set('data', String(f.data))
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (api.opts.credentials.authorization !== undefined) headers.authorization = api.opts.credentials.authorization

  const abort = new AbortController()
  let stopped: Stop | undefined
  const stop = (why: Stop): void => {
    stopped ??= why
    abort.abort()
  }
  const onSignal = (): void => stop('signal')
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  // --timeout bounds the wait for the stream to start, as it bounds every other command's call
  const connecting = setTimeout(() => { abort.abort(new Unreachable('timed out')) }, api.opts.timeoutMs)
  const running = f.durationMs === undefined ? undefined : setTimeout(() => stop('timeout'), f.durationMs)
  let seen = 0
  try {
    let res: Response
    try {
      res = await fetch(url, { headers, signal: abort.signal })
    } catch (err) {
      if (stopped !== undefined) return { stop: stopped, seen }
      throw new Unreachable(`cannot reach ${server}: ${reason(err)}`)
    }
    if (!res.ok) throw api.refusal(res, api.parse(res, await res.text()), 'GET', url)
    if (res.headers.get('content-type')?.startsWith('text/event-stream') !== true || res.body === null) {
      throw new Unreachable(`${server} did not answer with an event stream: is it a redkeeper REST port of this version?`)
    }
    const parser = new SseParser()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const m of parser.push(chunk)) {
          const body = parseJson(m.data)
          if (m.event === 'ready') {
            clearTimeout(connecting)
            io.err(`watching ${String(body.path)}${body.recursive === true ? ' and below' : ''} (session ${String(body.session)})\n`)
          } else if (m.event === 'change') {
            if (f.json) printJson(io, body)
            else io.out(line(body as Change))
            seen++
            if (f.count !== undefined && seen >= f.count) {
              stop('count')
              return { stop: 'count', seen }
            }
          } else if (m.event === 'error') {
            throw new Unreachable(`${String(body.error)}: ${String(body.message)}`)
          }
        }
      }
    } catch (err) {
      if (stopped !== undefined) return { stop: stopped, seen }
      if (err instanceof Unreachable) throw err
      throw new Unreachable(`lost the stream from ${server}: ${reason(err)}`)
    }
    if (stopped !== undefined) return { stop: stopped, seen }
    throw new Unreachable(`${server} ended the stream`)
  } finally {
    clearTimeout(connecting)
    clearTimeout(running)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

export const watchCommand = opCommand({
  name: 'watch',
  summary: 'print the changes under a znode as they happen (the watch stream)',
  help: `Usage: redkeeper watch <path> [--no-recursive] [--data] [--count n] [--timeout-ms ms] [--json]

Opens a watch stream (GET /v1/watch): a ZooKeeper session of its own with a
persistent recursive watch on <path> (which need not exist yet), and prints
one line per ZooKeeper event, "<type> <path>" (created, deleted,
dataChanged, childrenChanged). Runs until Ctrl-C (exit 0), --count events,
or --timeout-ms. A line on stderr says when the stream started; a lost
server or an expired session ends it with exit 3.

Options:
  --no-recursive          watch <path> alone (its data and its children list)
                          rather than everything below it
  --data                  created and dataChanged lines also show the data
                          read right after the event (it may be newer)
  --count <n>             exit 0 after n events
  --timeout-ms <ms>       stop after this long: exit 0, or exit 1 (TIMEOUT)
                          when --count events had not come by then
  --json                  one JSON object per event, per line
`,
  spec: { booleans: ['no-recursive', 'data'], strings: ['count', 'timeout-ms'] },
  async body ({ args, api, json, io }) {
    noMoreThan(args, 1)
    if (args.positionals.length === 0) throw new UsageError('missing path (a znode path such as /app)')
    const path = znodePath(args.positionals[0])
    const count = intFlag(args, 'count', 1)
    const durationMs = intFlag(args, 'timeout-ms', 1)
    const r = await follow(api, { path, recursive: !bool(args, 'no-recursive'), data: bool(args, 'data'), count, durationMs, json }, io)
    if (r.stop === 'timeout' && count !== undefined && r.seen < count) {
      throw new ServerRefusal(0, 'TIMEOUT', `${r.seen} of ${count} events within ${String(durationMs)} ms`)
    }
  }
})
