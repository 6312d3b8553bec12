// The `ws` package's client, typed by the few members the sidecar uses. `ws`
// arrives with @fastify/websocket but ships no types of its own, and
// @types/ws is not installed; a narrow local interface keeps strict typing
// without an ambient `declare module` that would clash once it is.

export interface WsClientOptions {
  /** compression costs CPU on every message and jute frames barely shrink */
  perMessageDeflate: boolean
  /** ms allowed for the TCP connect plus the HTTP upgrade */
  handshakeTimeout?: number
  /** largest message accepted from the node, bytes */
  maxPayload?: number
  /** CAs trusted for wss:// upstreams (instead of Node's bundled roots) */
  ca?: Buffer
  /** fills each frame's 4-byte masking key; an all-zero key makes ws skip masking */
  generateMask?: (mask: Buffer) => void
}

export interface WsClient {
  readonly readyState: number
  /** bytes queued in ws and the socket, not yet sent */
  readonly bufferedAmount: number
  send(data: Buffer, cb?: (err?: Error) => void): void
  close(code?: number, reason?: string): void
  /** drops the TCP connection at once (no closing handshake) */
  terminate(): void
  ping(): void
  pause(): void
  resume(): void
  on(event: 'open', listener: () => void): this
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: 'pong', listener: () => void): this
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode?: number, resume(): void }) => void): this
  removeAllListeners(): this
}

export type WsClientConstructor = new (url: string, opts: WsClientOptions) => WsClient

/** readyState values (RFC 6455 / the WHATWG API) */
export const WS_OPEN = 1

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const WebSocketClient = require('ws') as WsClientConstructor
