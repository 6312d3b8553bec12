// What a ZooKeeper session costs to set up through the sidecar, per process:
// CPU per session (sidecar, node, Redis) and resident memory per open
// session (sidecar + node), for node1 (sidecar → node → Redis). Issue 8's
// figure for the per-session WebSocket (docs/protocol.md) and the shared one
// (GET /v1/zk/mux): run it both ways and compare.
//
//   npx tsx bench/session-setup.ts [--sessions 2000] [--mux true|false]
//
// The ZooKeeper clients are this process's (the raw ZkClient, a few
// hundred connecting at a time); their CPU is not counted.

import { parseArgs } from 'node:util'
import { ZkClient } from '../src/client'
import { startTopology } from '../test/support/topology'
import { rssBytes, totalCpuSeconds } from './procstat'

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { sessions: { type: 'string' }, mux: { type: 'string' }, parallel: { type: 'string' } } })
  const sessions = Number(values.sessions ?? 2000)
  const parallel = Number(values.parallel ?? 200)
  const mux = (values.mux ?? 'true') !== 'false'
  const topo = await startTopology('node1', { sidecar: { env: { REDKEEPER_UPSTREAM_MUX: String(mux) } } })
  const clients: ZkClient[] = []
  try {
    const sidecar = topo.sidecar?.pid as number
    const node = topo.nodes[0].pid
    const redis = topo.redis?.pid as number
    // warm up (JIT, first connections), then measure
    const warm = await Promise.all(Array.from({ length: 20 }, () => ZkClient.connect(topo.address, { timeout: 30_000 })))
    for (const c of warm) c.destroy()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const rss0 = rssBytes(sidecar) + rssBytes(node)
    const cpu0 = [totalCpuSeconds([sidecar]), totalCpuSeconds([node]), totalCpuSeconds([redis])]
    const t0 = performance.now()
    for (let i = 0; i < sessions; i += parallel) {
      const n = Math.min(parallel, sessions - i)
      clients.push(...await Promise.all(Array.from({ length: n }, () => ZkClient.connect(topo.address, { timeout: 30_000 }))))
    }
    const ms = performance.now() - t0
    const cpu1 = [totalCpuSeconds([sidecar]), totalCpuSeconds([node]), totalCpuSeconds([redis])]
    const rss1 = rssBytes(sidecar) + rssBytes(node)
    const per = (i: number): string => ((cpu1[i] - cpu0[i]) * 1000 / sessions).toFixed(3)
    console.log(JSON.stringify({
      mux,
      sessions,
      seconds: +(ms / 1000).toFixed(2),
      sessionsPerSecond: Math.round(sessions / (ms / 1000)),
      cpuMsPerSession: { sidecar: +per(0), node: +per(1), redis: +per(2) },
      rssBytesPerSession: Math.round((rss1 - rss0) / sessions)
    }))
  } finally {
    for (const c of clients) c.destroy()
    await topo.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
