// The minimal read access summarizeHBase needs: the embedded server, the
// Redis-backed nodes and a raw ZooKeeper client can all provide it.

export interface HBaseTreeReader {
  /** the znode's data (an empty array for a znode without data); null when the znode does not exist */
  getData(path: string): Promise<Uint8Array | null>
  /** the znode's child names, in any order; [] when the znode does not exist */
  getChildren(path: string): Promise<string[]>
}

/**
 * A znode that exists but cannot be read (e.g. NOAUTH on a secure cluster's
 * replication znodes). Readers throw it so the summary can report that znode
 * and go on; any other error aborts the summary.
 */
export class ZnodeReadError extends Error {
  constructor (readonly path: string, readonly code: number, readonly codeName: string) {
    super(`${path}: ${codeName} (${code})`)
    this.name = 'ZnodeReadError'
  }
}
