// The ZooKeeper-protocol sidecar: ZooKeeper TCP in, the WebSocket API of
// docs/protocol.md out.

export { startSidecar, SidecarConfigError, type SidecarConfig, type RunningSidecar } from './sidecar'
export type { SidecarStats } from './stats'
export { parseUpstream, parseUpstreams, UpstreamUrlError, type Upstream } from './upstreams'
