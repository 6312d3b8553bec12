// ZooKeeper's globalOutstandingLimit (zookeeper.globalOutstandingLimit,
// default 1000): once more requests than that are in the server and not
// yet answered, every connection that has one of its own outstanding stops
// reading until its own count drops (ZooKeeperServer.shouldThrottle,
// ServerCnxn.incr/decrOutstandingAndCheckThrottle). A client pipelining
// thousands of requests therefore cannot make the server hold thousands of
// them (and their replies) at once. One counter per process: the embedded
// server, or one node.

export const DEFAULT_GLOBAL_OUTSTANDING_LIMIT = 1000

export class OutstandingRequests {
  /** requests received, their reply not yet handed to the connection's socket */
  count = 0

  constructor (readonly limit: number = DEFAULT_GLOBAL_OUTSTANDING_LIMIT) {}

  /** shouldThrottle: `own` is the asking connection's outstanding count (one with none always reads). */
  throttles (own: number): boolean {
    return own > 0 && this.count > this.limit
  }
}
