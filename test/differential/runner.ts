// The differential runner: the same seeded random workload sent, step by
// step, to a real ZooKeeper 3.8 and to a target (the embedded server, or a
// distributed topology behind its sidecar), every reply and every watch
// event compared. differential.test.ts and test/distributed use it.
//
// DIFF_SEEDS="1,2" or "1-20" and DIFF_OPS=1200 choose the workload; a failure
// prints the seed, the step and both sides.

import type { Test } from 'tap'
import { isDeepStrictEqual, inspect } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { ZkClient, type Reply } from '../../src/client'
import { once } from 'node:events'
import { Err, OpCode } from '../../src/engine/codes'
import { Generator, type GeneratorOptions, type Step } from './generator'
import { Normalizer } from './normalize'

const SESSIONS = 4

function seeds (): number[] {
  const spec = process.env.DIFF_SEEDS ?? '1,2'
  const out: number[] = []
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map(Number)
    for (let s = a; s <= (b ?? a); s++) out.push(s)
  }
  return out
}
const OPS = Number(process.env.DIFF_OPS ?? 1200)

interface Slot { client: ZkClient; events: unknown[]; gen: number }

class Side {
  readonly slots: Slot[] = []
  norm!: Normalizer
  constructor (readonly name: string, readonly address: string) {}

  private async open (slot: number, gen: number, resume?: ZkClient): Promise<Slot> {
    const client = await ZkClient.connect(this.address, resume === undefined
      ? { timeout: 30000 }
      : { timeout: 30000, sessionId: resume.sessionIdBig, passwd: resume.passwd, lastZxidSeen: resume.lastZxid })
    const s: Slot = { client, events: [], gen }
    client.on('watch', (ev) => { s.events.push({ type: ev.type, state: ev.state, path: ev.path }) })
    return s
  }

  async start (): Promise<void> {
    for (let i = 0; i < SESSIONS; i++) this.slots.push(await this.open(i, 0))
    const r = await this.slots[0].client.request({ type: OpCode.exists, path: '/', watch: false })
    this.norm = new Normalizer(r.zxid)
  }

  async run (step: Step): Promise<unknown> {
    const slot = this.slots[step.slot]
    switch (step.kind) {
      case 'request': {
        const r = await slot.client.request(step.req)
        // AUTHFAILED (an unknown addauth scheme): both servers then close the
        // connection, each at its own moment; wait for it and resume the
        // session, so the next step finds the slot usable on both sides
        if (r.err === Err.AUTHFAILED) {
          if (!slot.client.closed) await once(slot.client, 'close')
          const resumed = await this.open(step.slot, slot.gen, slot.client)
          resumed.events = slot.events
          this.slots[step.slot] = resumed
        }
        return this.norm.reply(r)
      }
      case 'setWatches': {
        const rel = slot.client.lastZxid - step.back
        const r = await slot.client.request({ type: OpCode.setWatches, relativeZxid: rel, dataWatches: step.data, existWatches: step.exist, childWatches: step.child, persistentWatches: [], persistentRecursiveWatches: [] })
        return this.norm.reply(r)
      }
      case 'reopen': {
        const r: Reply = await slot.client.close()
        const gen = slot.gen + 1
        const fresh = await this.open(step.slot, gen)
        this.slots[step.slot] = fresh
        return this.norm.reply(r)
      }
      case 'reconnect': {
        slot.client.destroy()
        // let the server notice the dropped connection before the session comes back
        await sleep(30)
        const resumed = await this.open(step.slot, slot.gen, slot.client)
        resumed.events = slot.events
        this.slots[step.slot] = resumed
        return { resumed: resumed.client.sessionIdBig === slot.client.sessionIdBig }
      }
    }
  }

  /** a read on every session: events a step triggered are delivered before its reply */
  async drain (sortEvents: boolean): Promise<unknown[]> {
    const out: unknown[] = []
    for (const s of this.slots) {
      await s.client.request({ type: OpCode.exists, path: '/', watch: false })
      const evs = s.events.splice(0)
      if (sortEvents) evs.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      out.push(evs)
    }
    return out
  }

  /**
   * Close the sessions (not just drop them): a dropped session would expire
   * later, at a different moment on each server, and its closeSession zxid
   * would shift every zxid offset of the next seed.
   */
  async stop (): Promise<void> {
    for (const s of this.slots) await s.client.close()
  }
}

function describe (step: Step): string {
  return inspect(step, { depth: 6, breakLength: 160 })
}

/**
 * Runs every seed against a fresh ZooKeeper at `zkAddress` and the target at
 * `targetAddress` (fresh too: zxids are compared as offsets from the start).
 */
export async function runDifferential (t: Test, zkAddress: string, targetAddress: string, name = 'redkeeper', opts: GeneratorOptions = {}): Promise<void> {
  let total = 0
  for (const seed of seeds()) {
    const root = `/diff${seed}`
    const sides = [new Side('zookeeper', zkAddress), new Side(name, targetAddress)]
    await Promise.all(sides.map((s) => s.start()))
    const gen = new Generator(seed, root, SESSIONS, opts)
    const steps: Step[] = [{ kind: 'request', slot: 0, req: { type: OpCode.create, path: root, data: null, dataLength: 0, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 } }]
    for (let i = 0; i < OPS; i++) steps.push(gen.next())

    let divergence: string | undefined
    for (let i = 0; i < steps.length && divergence === undefined; i++) {
      const step = steps[i]
      const [a, b] = await Promise.all(sides.map((s) => s.run(step)))
      const sortEvents = step.kind === 'reopen'
      const [ea, eb] = await Promise.all(sides.map((s) => s.drain(sortEvents)))
      if (!isDeepStrictEqual(a, b)) {
        divergence = `reply differs at seed ${seed} step ${i}: ${describe(step)}\n  zookeeper: ${inspect(a, { depth: 8 })}\n  ${name}: ${inspect(b, { depth: 8 })}`
      } else if (!isDeepStrictEqual(ea, eb)) {
        divergence = `watch events differ at seed ${seed} step ${i}: ${describe(step)}\n  zookeeper: ${inspect(ea, { depth: 6 })}\n  ${name}: ${inspect(eb, { depth: 6 })}`
      }
      total++
    }
    await Promise.all(sides.map((s) => s.stop()))
    t.equal(divergence, undefined, `seed ${seed}: ${steps.length} steps over ${SESSIONS} sessions with no divergence`)
    if (divergence !== undefined) {
      t.comment(divergence)
      break
    }
  }
  t.ok(total >= 2000 || process.env.DIFF_OPS !== undefined, `ran ${total} steps in all`)
}
