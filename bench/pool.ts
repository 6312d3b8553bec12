// The orchestrator's side of the load workers: forks N bench/worker.ts
// processes (through tsx, so the bench needs no build step of its own) and
// sends each a command, collecting one reply per worker.

import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { track } from '../test/support/proc'
import type { Command, Reply } from './messages'

export class WorkerError extends Error {
  override name = 'WorkerError'
}

export class WorkerPool {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()

  private constructor (readonly workers: ChildProcess[]) {
    for (const w of workers) {
      w.on('message', (m: Reply) => {
        const p = this.waiting.get(m.id)
        if (p === undefined) return
        this.waiting.delete(m.id)
        if (m.ok) p.resolve(m.result)
        else p.reject(new WorkerError(m.error))
      })
      w.on('exit', (code, signal) => {
        // a worker that dies fails everything still waiting: the run is void
        for (const [id, p] of this.waiting) {
          this.waiting.delete(id)
          p.reject(new WorkerError(`load worker ${w.pid} exited (code ${code}, signal ${signal})`))
        }
      })
    }
  }

  static start (count: number): WorkerPool {
    const script = join(__dirname, 'worker.ts')
    const workers = Array.from({ length: count }, () => fork(script, [], {
      execArgv: ['--import', 'tsx'],
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    }))
    for (const w of workers) track(w)
    return new WorkerPool(workers)
  }

  get size (): number { return this.workers.length }

  get pids (): number[] { return this.workers.map((w) => w.pid).filter((p): p is number => p !== undefined) }

  send<T> (worker: number, cmd: Command): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.workers[worker].send({ id, cmd })
    })
  }

  /** One command per worker (built from its index), all at once. */
  all<T> (cmd: (worker: number) => Command | null): Promise<T[]> {
    const out: Array<Promise<T>> = []
    for (let i = 0; i < this.workers.length; i++) {
      const c = cmd(i)
      if (c !== null) out.push(this.send<T>(i, c))
    }
    return Promise.all(out)
  }

  async stop (): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.exitCode !== null || w.signalCode !== null) return resolve()
      w.once('exit', () => resolve())
      w.disconnect()
      setTimeout(() => w.kill('SIGKILL'), 5000).unref()
    })))
  }
}

/** Splits `total` into `parts` near-equal shares: [offset, count] per part. */
export function shares (total: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let at = 0
  for (let i = 0; i < parts; i++) {
    const n = Math.floor(total / parts) + (i < total % parts ? 1 : 0)
    out.push([at, n])
    at += n
  }
  return out
}
