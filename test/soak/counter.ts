// The cheap lost-write check: one session writes an increasing counter into
// one znode; around every Redis kill the writer stops, the last acknowledged
// value is noted, and once Redis is back the znode is read. A value below
// the note is an acknowledged write lost (appendfsync everysec may lose up
// to a second of writes: measured, and allowed only there).

import { ZkClient } from '../../src/client'
import { OpCode, Perm } from '../../src/engine/codes'
import { sleep } from '../support/proc'

const OPEN = [{ perms: Perm.ALL, id: { scheme: 'world', id: 'anyone' } }]
const PATH = '/soak-counter'

export class CounterCheck {
  private client: ZkClient | undefined
  private next = 1
  private lastAcked = 0
  private noted = 0
  private paused = false
  private running = true
  private loop: Promise<void> = Promise.resolve()
  private idle: Promise<void> = Promise.resolve()
  checked = 0
  lost = 0
  readonly notes: string[] = []

  constructor (private readonly addresses: () => string[], private readonly timeoutMs: number) {}

  private async session (): Promise<ZkClient> {
    if (this.client !== undefined && !this.client.closed) return this.client
    this.client?.destroy()
    const all = this.addresses()
    this.client = await ZkClient.connect(all[this.next % all.length], { timeout: this.timeoutMs, connectTimeout: 10_000 })
    return this.client
  }

  async start (): Promise<void> {
    const c = await this.session()
    await c.request({ type: OpCode.create, path: PATH, data: Buffer.from('0'), dataLength: 1, acl: OPEN, flags: 0 })
    this.loop = (async () => {
      while (this.running) {
        if (this.paused) { await sleep(50); continue }
        let done!: () => void
        this.idle = new Promise((resolve) => { done = resolve })
        try {
          const n = this.next++
          const data = Buffer.from(String(n))
          const r = await (await this.session()).request({ type: OpCode.setData, path: PATH, data, dataLength: data.length, version: -1 })
          if (r.err === 0) this.lastAcked = n
        } catch { /* a fault: the write is indeterminate; the next one goes on */ } finally { done() }
        await sleep(200)
      }
    })()
  }

  /** Stops writing and notes the last acknowledged value. */
  async pause (): Promise<void> {
    this.paused = true
    await this.idle
    this.noted = this.lastAcked
  }

  /** Reads the counter back (retrying while the service recovers), counts a loss, resumes writing. */
  async verify (): Promise<void> {
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        const r = await (await this.session()).request({ type: OpCode.getData, path: PATH, watch: false })
        if (r.err === 0 && r.body !== undefined && 'data' in r.body) {
          const value = Number(Buffer.from(r.body.data ?? Buffer.alloc(0)).toString())
          this.checked++
          if (value < this.noted) {
            this.lost += this.noted - value
            this.notes.push(`counter read ${value} after a Redis restart, ${this.noted} was acknowledged`)
          }
          break
        }
      } catch { /* not back yet */ }
      if (Date.now() > deadline) { this.notes.push('counter unreadable 60 s after a Redis restart'); this.lost++; break }
      await sleep(500)
    }
    this.paused = false
  }

  async stop (): Promise<void> {
    this.running = false
    await this.loop
    this.client?.destroy()
  }
}
