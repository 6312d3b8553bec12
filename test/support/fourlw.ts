import { connect } from 'node:net'

/**
 * Sends a ZooKeeper four-letter word (ruok, stat, mntr, ...) and returns the
 * whole answer. The server closes the connection after answering, so the end
 * of the stream marks the end of the reply.
 */
export function fourLetterWord (host: string, port: number, word: string, timeoutMs = 5000): Promise<string> {
  if (word.length !== 4) return Promise.reject(new Error(`fourLetterWord: "${word}" is not four letters`))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const sock = connect({ host, port })
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error(`fourLetterWord: no answer to ${word} from ${host}:${port} within ${timeoutMs} ms`))
    }, timeoutMs)
    sock.on('connect', () => sock.end(word))
    sock.on('data', (c: Buffer) => chunks.push(c))
    sock.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    sock.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
  })
}
