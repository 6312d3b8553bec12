// The ZooKeeper-protocol sidecar: ZooKeeper TCP in, the WebSocket API of
// docs/protocol.md out.

export { DEFAULT_MUX_SOCKETS, startSidecar, SidecarConfigError, type SidecarConfig, type RunningSidecar } from './sidecar'
export type { SidecarStats } from './stats'
export { parseUpstream, parseUpstreams, UpstreamUrlError, type Upstream } from './upstreams'
