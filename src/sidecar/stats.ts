// Counters a sidecar keeps about the connections it carries: for logs,
// tests (a failover test must see that a re-attach really happened) and
// later a metrics endpoint. Plain numbers, bumped on events, never per byte.

export interface SidecarStats {
  /** client TCP connections open now */
  clients: number
  /** sessions established or resumed by a ConnectRequest */
  sessions: number
  /** RESUMEs accepted: the connection moved to another node unseen by its client */
  resumes: number
  /** requests re-sent after a RESUME */
  replayed: number
  /** "session expired" answers (ConnectResponse or EXPIRED) */
  expired: number
  /** connections closed because no node answered within the session timeout */
  gaveUp: number
}

export function newStats (): SidecarStats {
  return { clients: 0, sessions: 0, resumes: 0, replayed: 0, expired: 0, gaveUp: 0 }
}
