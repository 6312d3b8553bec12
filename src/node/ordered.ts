// Completions handled in issue order. A connection issues its Redis calls at
// once (pipelining: no waiting for one before sending the next) but must
// answer in request order, with each call's events ahead of its reply. ioredis
// already answers one connection's commands in order; this queue makes that a
// guarantee of the node rather than an accident of the client, and lets
// answers that need no Redis call (pings, auth) take their place in line.

interface Slot {
  settled: boolean
  run: () => void
}

const NOOP = (): void => {}

export class InOrder {
  private slots: Array<Slot | undefined> = []
  private head = 0
  private draining = false
  private dropped = false

  /** `onCrash` gets what a handler threw (a bug of ours); the queue goes on. */
  constructor (private readonly onCrash: (err: unknown) => void) {}

  /** Calls not yet handled. */
  get size (): number {
    return this.slots.length - this.head
  }

  /**
   * `onValue` or `onError` runs once `p` settles AND every slot added before
   * has run.
   */
  add<T> (p: Promise<T>, onValue: (v: T) => void, onError: (err: unknown) => void): void {
    const slot: Slot = { settled: false, run: NOOP }
    this.slots.push(slot)
    p.then((v) => {
      slot.run = () => onValue(v)
      this.settle(slot)
    }, (err: unknown) => {
      slot.run = () => onError(err)
      this.settle(slot)
    })
  }

  /** `fn` runs after every slot added before: at once when nothing is waiting. */
  then (fn: () => void): void {
    if (this.dropped) return
    if (this.size === 0 && !this.draining) {
      fn()
      return
    }
    this.slots.push({ settled: true, run: fn })
    // while draining, the loop below picks it up in turn
  }

  /** Forget everything still waiting; later completions are ignored. */
  drop (): void {
    this.dropped = true
    this.slots = []
    this.head = 0
  }

  private settle (slot: Slot): void {
    if (this.dropped) return
    slot.settled = true
    this.drain()
  }

  private drain (): void {
    if (this.draining) return
    this.draining = true
    try {
      while (this.head < this.slots.length) {
        const slot = this.slots[this.head]
        if (slot === undefined || !slot.settled) break
        this.slots[this.head++] = undefined
        try {
          slot.run()
        } catch (err) {
          this.onCrash(err)
        }
        if (this.dropped) return
      }
      if (this.head === this.slots.length) {
        this.slots.length = 0
        this.head = 0
      } else if (this.head > 1024 && this.head * 2 > this.slots.length) {
        // a connection that never runs dry: shed the handled prefix now and then
        this.slots = this.slots.slice(this.head)
        this.head = 0
      }
    } finally {
      this.draining = false
    }
  }
}
