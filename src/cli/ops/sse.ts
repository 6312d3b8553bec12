// A Server-Sent Events reader for `redkeeper watch`: text/event-stream
// chunks in, { event, data } messages out (comments and fields it does not
// use are skipped; a message's data lines are joined with "\n", as the
// EventSource spec says).

export interface SseMessage {
  event: string
  data: string
}

export class SseParser {
  private buf = ''
  private event = ''
  private data: string[] = []
  private readonly decoder = new TextDecoder('utf-8')

  /** The messages completed by `chunk`. */
  push (chunk: Uint8Array): SseMessage[] {
    this.buf += this.decoder.decode(chunk, { stream: true })
    const out: SseMessage[] = []
    let nl: number
    while ((nl = this.buf.indexOf('\n')) !== -1) {
      let line = this.buf.slice(0, nl)
      this.buf = this.buf.slice(nl + 1)
      if (line.endsWith('\r')) line = line.slice(0, -1)
      if (line === '') {
        if (this.data.length > 0 || this.event !== '') out.push({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n') })
        this.event = ''
        this.data = []
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        let value = colon === -1 ? '' : line.slice(colon + 1)
        if (value.startsWith(' ')) value = value.slice(1)
        if (field === 'event') this.event = value
        else if (field === 'data') this.data.push(value)
      }
    }
    return out
  }
}
