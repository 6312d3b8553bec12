// Clients of the watch stream for the tests: Server-Sent Events read off a
// real fetch() body, and a real `ws` WebSocket. Both yield the contract's
// messages as { event, ...fields } objects, in arrival order. Plus the
// small waits the watch tests share (changes, sessionIds, until).

import WebSocket from 'ws'
import { SUPER, call } from './rest-suite'

export interface StreamMessage {
  event: 'ready' | 'change' | 'error'
  [field: string]: any
}

export interface WatchClient {
  /** the next message; rejects after `ms`, or when the stream ended with nothing left */
  next: (ms?: number) => Promise<StreamMessage>
  /** resolves when the server ended the stream (or the connection died) */
  readonly ended: Promise<void>
  /** SSE comments seen (": ping"); a WebSocket ping frame counts as "ws ping" */
  readonly comments: string[]
  close: () => void
}

/** An HTTP refusal before the stream started. */
export class Refused extends Error {
  constructor (readonly status: number, readonly body: any) {
    super(`refused with ${status}: ${JSON.stringify(body)}`)
  }
}

class Inbox {
  private readonly items: StreamMessage[] = []
  private waiters: Array<() => void> = []
  done = false

  push (m: StreamMessage): void {
    this.items.push(m)
    this.wake()
  }

  finish (): void {
    this.done = true
    this.wake()
  }

  private wake (): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  async next (ms: number): Promise<StreamMessage> {
    const deadline = Date.now() + ms
    while (true) {
      const m = this.items.shift()
      if (m !== undefined) return m
      if (this.done) throw new Error('the stream ended')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no message within ${ms} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

function query (path: string, opts: { recursive?: boolean, data?: boolean }): string {
  const q = new URLSearchParams({ path })
  if (opts.recursive !== undefined) q.set('recursive', String(opts.recursive))
  if (opts.data !== undefined) q.set('data', String(opts.data))
  return q.toString()
}

export interface OpenOptions {
  recursive?: boolean
  data?: boolean
  headers?: Record<string, string>
}

/** GET /v1/watch as SSE; throws Refused for a non-200 answer. */
export async function openSse (base: string, path: string, opts: OpenOptions = {}): Promise<WatchClient> {
  const abort = new AbortController()
  const res = await fetch(`${base}/v1/watch?${query(path, opts)}`, { headers: { accept: 'text/event-stream', ...opts.headers }, signal: abort.signal })
  if (res.status !== 200) {
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* text */ }
    throw new Refused(res.status, body)
  }
  if (res.headers.get('content-type')?.startsWith('text/event-stream') !== true) throw new Error(`content-type ${String(res.headers.get('content-type'))}`)
  const inbox = new Inbox()
  const comments: string[] = []
  const ended = (async () => {
    const decoder = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true })
        let cut: number
        while ((cut = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, cut)
          buf = buf.slice(cut + 2)
          let event = ''
          let data = ''
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line)
            else if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data += line.slice(6)
          }
          if (event !== '') inbox.push({ ...JSON.parse(data), event } as StreamMessage)
        }
      }
    } catch { /* aborted, or the connection died */ }
    inbox.finish()
  })()
  return { next: async (ms = 10_000) => await inbox.next(ms), ended, comments, close: () => abort.abort() }
}

/** GET /v1/watch/ws; throws Refused when the upgrade is answered with an HTTP error. */
export async function openWs (base: string, path: string, opts: OpenOptions = {}): Promise<WatchClient & { closeCode: Promise<number> }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/watch/ws?${query(path, opts)}`, { headers: opts.headers })
  const inbox = new Inbox()
  let code: (c: number) => void = () => {}
  const closeCode = new Promise<number>((resolve) => { code = resolve })
  const ended = new Promise<void>((resolve) => {
    ws.on('close', (c) => {
      code(c)
      inbox.finish()
      resolve()
    })
  })
  const comments: string[] = []
  ws.on('message', (m) => inbox.push(JSON.parse(String(m)) as StreamMessage))
  ws.on('ping', () => comments.push('ws ping'))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => {
        let body: unknown = text
        try { body = JSON.parse(text) } catch { /* text */ }
        reject(new Refused(res.statusCode ?? 0, body))
      })
    })
    ws.once('error', reject)
  })
  ws.on('error', () => {})
  return { next: async (ms = 10_000) => await inbox.next(ms), ended, comments, close: () => ws.close(), closeCode }
}

/** `n` change messages as "type path" lines; throws on anything else. */
export async function changes (s: WatchClient, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const m = await s.next()
    if (m.event !== 'change') throw new Error(`expected a change, got ${JSON.stringify(m)}`)
    out.push(`${m.type as string} ${m.path as string}`)
  }
  return out
}

/** The sessions GET /v1/sessions lists (hex ids), as super. */
export async function sessionIds (base: string): Promise<string[]> {
  const r = await call(base, 'GET', '/v1/sessions', { headers: SUPER })
  if (r.status !== 200) throw new Error(`GET /v1/sessions: ${r.status}`)
  return (r.body.sessions as Array<{ id: string }>).map((s) => s.id)
}

/** Polls `check` until it holds; throws after `ms`. */
export async function until (what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
