// The one seam between the REST API and a backend: "run this ZooKeeper
// request for an HTTP caller". The embedded server (src/server/rest-gateway.ts)
// and the service node (src/node/rest-gateway.ts) each implement it over their
// own store; everything above it (src/api, src/http) is backend-neutral, so
// REST has exactly the semantics, ACL checks and durability a ZooKeeper client
// gets, from the same engine.

import type { Id, Outcome, Request } from '../engine/types'

export interface ZkGateway {
  /** jute.maxbuffer: REST refuses a request a ZooKeeper client could not send */
  readonly maxBuffer: number
  /**
   * Runs `req` as the process's internal REST session with `auth` as the
   * connection's identities. Resolves once the outcome is durable (a write
   * acknowledged here survives a crash, as for a ZooKeeper client) and the
   * watch events it fired are on their way to the sessions watching.
   * Rejects with GatewayUnavailableError when the store cannot serve.
   */
  run(req: Request, auth: readonly Id[]): Promise<Outcome>
}

/** The store is closed, failed or unreachable: the HTTP layer answers 503. */
export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError'
}
