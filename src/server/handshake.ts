// The session handshake: a ConnectRequest creates a session, resumes one, or
// is told the session is gone. Mirrors ZooKeeperServer.processConnectRequest.

import { randomBytes } from 'node:crypto'
import { checkSession, createSession, negotiateTimeout } from '../engine'
import { decodeConnectRequest, encodeConnectResponse, JuteDecodeError } from '../protocol'
import type { ConnectRequest } from '../protocol'
import type { Connection } from './connection'
import type { Hub } from './hub'

const NO_PASSWORD = Buffer.alloc(16)

export function handleConnect (hub: Hub, conn: Connection, frame: Buffer): void {
  let req: ConnectRequest
  try {
    req = decodeConnectRequest(frame)
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err
    hub.log.warn({ peer: conn.remote, err: err.message }, 'closing connection: malformed ConnectRequest')
    conn.destroy('malformed ConnectRequest')
    return
  }

  const { store, log } = hub
  const ourZxid = store.getZxid()
  if (req.lastZxidSeen > ourZxid) {
    // The client has seen a newer state than ours (it talked to another
    // server, or our disk lost data): it must not be served from the past.
    log.info({ peer: conn.remote }, `refusing session request: client has seen zxid 0x${req.lastZxidSeen.toString(16)}, our last zxid is 0x${ourZxid.toString(16)}`)
    hub.stats.handshakes.refused++
    conn.destroy('client zxid ahead')
    return
  }

  if (req.sessionId === 0) newSession(hub, conn, req)
  else resumeSession(hub, conn, req)
}

function newSession (hub: Hub, conn: Connection, req: ConnectRequest): void {
  const { store, limits } = hub
  const timeout = negotiateTimeout(req.timeOut, limits.minSessionTimeout, limits.maxSessionTimeout)
  const now = Date.now()
  const id = hub.ids.next((candidate) => store.getSession(candidate) !== undefined, now)
  const passwd = randomBytes(16)
  let zxid: number
  try {
    const { result } = store.transact(() => createSession(store, now, id, timeout, passwd.toString('hex')))
    zxid = result.zxid
    hub.deliver(result.events)
  } catch (err) {
    hub.fatal(err)
    conn.destroy('store failure')
    return
  }
  store.touchSession(id, now)
  conn.attach(id, timeout)
  hub.sessions.attach(id, conn)
  hub.stats.handshakes.created++
  hub.log.info({ peer: conn.remote, session: conn.sessionHex(), timeout }, 'session established')
  const start = now
  conn.send(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: timeout, sessionId: id, passwd, readOnly: false }, req.hasReadOnly),
    (end) => conn.stats.response(0, zxid, 'SESS', start, end))
}

function resumeSession (hub: Hub, conn: Connection, req: ConnectRequest): void {
  const { store } = hub
  const id = req.sessionId
  if (!checkSession(store, id, req.passwd.toString('hex'))) {
    // Expired, unknown, or the wrong password: ZooKeeper answers with a zero
    // session, which the client reports as "session expired", then closes.
    hub.stats.handshakes.expired++
    hub.log.info({ peer: conn.remote, session: `0x${id.toString(16)}` }, 'invalid session, probably expired')
    conn.send(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: 0, sessionId: 0, passwd: NO_PASSWORD, readOnly: false }, req.hasReadOnly))
    conn.closeAfterReplies()
    return
  }
  // The session keeps the timeout it was created with: the store's tracker
  // expires it by that, so that is what the client must plan its pings for.
  const session = store.getSession(id)
  const timeout = session === undefined ? negotiateTimeout(req.timeOut, hub.limits.minSessionTimeout, hub.limits.maxSessionTimeout) : session.timeout
  const now = Date.now()
  store.touchSession(id, now)
  // Watches belong to a connection in ZooKeeper: a resumed session starts with
  // none until the client re-sends them (setWatches). Dropping here, before
  // this connection can register any, also covers the connection it moved from.
  store.dropWatches(id)
  conn.attach(id, timeout)
  const previous = hub.sessions.attach(id, conn)
  // One connection per session, as ZooKeeper: the one it moved from is closed.
  if (previous !== undefined) previous.destroy('session moved to another connection')
  hub.stats.handshakes.resumed++
  hub.log.info({ peer: conn.remote, session: conn.sessionHex(), timeout }, 'session resumed')
  const zxid = store.getZxid()
  conn.send(encodeConnectResponse(undefined, { protocolVersion: 0, timeOut: timeout, sessionId: id, passwd: req.passwd, readOnly: false }, req.hasReadOnly),
    (end) => conn.stats.response(0, zxid, 'SESS', now, end))
}
