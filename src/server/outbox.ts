// The durability barrier. A reply or watch event may only leave once every
// log record it depends on is on disk: a client must never see a result that
// a crash could take back. Frames are tagged with the store's appliedSeq at
// the moment they are produced; a frame whose tag is durable goes straight
// out, anything else waits in one global FIFO released on each 'durable'
// event. appliedSeq never decreases, so the FIFO is sorted by tag and
// releasing from its head is exact; and since a frame is sent at once only
// when the FIFO is empty, every connection's frames leave in the order they
// were produced. Many requests produced between two fsyncs share one: the
// group commit is the store's, the barrier just waits for it.

/** The store's side of the barrier (EmbeddedStore provides it). */
export interface DurabilitySource {
  readonly appliedSeq: number
  readonly durableSeq: number
  on(event: 'durable', listener: (seq: number) => void): unknown
  off(event: 'durable', listener: (seq: number) => void): unknown
}

/** Where frames go: a connection. */
export interface FrameSink {
  /** false once the socket is gone; queued frames for it are then dropped */
  readonly alive: boolean
  writeFrame(frame: Buffer, sent: SentHook | undefined): void
  /** flush what was written, then close the socket */
  endAfterWrites(): void
}

/** Called when the frame actually leaves (stats: latency, lop, lzxid). */
export type SentHook = (now: number) => void

interface Pending {
  sink: FrameSink
  /** undefined: close the sink instead of writing */
  frame: Buffer | undefined
  tag: number
  sent: SentHook | undefined
}

export class Outbox {
  private readonly queue: Pending[] = []
  private head = 0
  private readonly onDurable = (): void => this.release()

  constructor (private readonly store: DurabilitySource) {
    store.on('durable', this.onDurable)
  }

  /** Frames waiting for an fsync. */
  get pending (): number {
    return this.queue.length - this.head
  }

  send (sink: FrameSink, frame: Buffer, sent?: SentHook): void {
    this.push(sink, frame, sent)
  }

  /** Close `sink` once everything produced before this call has left. */
  close (sink: FrameSink): void {
    this.push(sink, undefined, undefined)
  }

  private push (sink: FrameSink, frame: Buffer | undefined, sent: SentHook | undefined): void {
    const tag = this.store.appliedSeq
    if (this.pending === 0 && this.store.durableSeq >= tag) {
      deliver(sink, frame, sent)
      return
    }
    this.queue.push({ sink, frame, tag, sent })
  }

  /** Sends every queued frame whose records are now durable. */
  release (): void {
    const durable = this.store.durableSeq
    const q = this.queue
    let i = this.head
    while (i < q.length && q[i].tag <= durable) {
      const p = q[i]
      q[i] = undefined as unknown as Pending // let the buffer go
      deliver(p.sink, p.frame, p.sent)
      i++
    }
    if (i === q.length) {
      q.length = 0
      this.head = 0
    } else if (i > 1024 && i * 2 > q.length) {
      // compact now and then rather than shift() per frame
      q.splice(0, i)
      this.head = 0
    } else {
      this.head = i
    }
  }

  /** Stops listening to the store (on shutdown, after a final release()). */
  detach (): void {
    this.store.off('durable', this.onDurable)
  }
}

function deliver (sink: FrameSink, frame: Buffer | undefined, sent: SentHook | undefined): void {
  if (!sink.alive) return
  if (frame === undefined) sink.endAfterWrites()
  else sink.writeFrame(frame, sent)
}
