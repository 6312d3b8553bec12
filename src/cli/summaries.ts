// One line per heavy command for `redkeeper --help`. They live here, not only
// in each command's module, so main.ts can list those commands without
// loading them (the servers pull in Fastify, ioredis, the stores).

export const SUMMARIES = {
  start: 'run the ZooKeeper-compatible server with the embedded store',
  node: 'run a stateless service node over Redis (WebSocket API for sidecars)',
  sidecar: 'carry ZooKeeper client connections to redkeeper nodes (WebSocket)',
  export: 'dump a ZooKeeper tree (data, ACLs, ephemerals marked) to a file',
  import: 'create a tree from a dump file or a live ZooKeeper (--from zk://…)',
  config: 'print the effective settings of start, node or sidecar and where each comes from'
} as const
