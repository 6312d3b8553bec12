import { createServer } from 'node:net'

/**
 * Asks the kernel for a free loopback port. There is an unavoidable race
 * between closing this probe and the real server binding the port, but it is
 * tiny and far better than fixed ports when several suites run at once.
 */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('freePort: could not read the bound address'))
        return
      }
      const { port } = addr
      srv.close((err) => (err ? reject(err) : resolve(port)))
    })
  })
}
