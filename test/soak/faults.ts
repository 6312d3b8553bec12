// The soak's faults: one shot each, taken in turn (kill -9 a node, kill -9 a
// sidecar, kill -9 Redis, pause Redis), on the fault cluster of test/faults.
// Each resolves when the cluster is whole again.

import { sleep } from '../support/proc'
import type { FaultCluster } from '../faults/cluster'

export interface SoakFaultContext {
  cluster: FaultCluster
  /** the fault's own turn number (0, 1, ...): which node or sidecar */
  turn: number
  timeoutMs: number
  /** a sidecar was replaced: its clients must reconnect to the new address */
  sidecarReplaced(i: number): Promise<void>
  /** before Redis goes away: the lost-write check notes the last acknowledged value */
  beforeRedisKill(): Promise<void>
  /** Redis is back: the lost-write check reads what survived */
  afterRedisRestart(): Promise<void>
}

export interface SoakFault {
  name: string
  /** returns a one-line note */
  inject(ctx: SoakFaultContext): Promise<string>
}

export const SOAK_FAULTS: SoakFault[] = [
  {
    name: 'kill-node',
    async inject ({ cluster, turn }) {
      const i = turn % cluster.nodes.length
      const node = cluster.nodes[i]
      await node.kill9()
      await sleep(500)
      await node.restart()
      await cluster.haproxy.waitForServers('UP', undefined, 60_000)
      return `kill -9 node${i}, restarted after 0.5 s`
    }
  },
  {
    name: 'kill-sidecar',
    async inject ({ cluster, turn, sidecarReplaced }) {
      const i = turn % cluster.sidecars.length
      await cluster.replaceSidecar(i)
      await sidecarReplaced(i)
      return `kill -9 sidecar${i}, a new one started; its clients reconnected (new sessions)`
    }
  },
  {
    name: 'redis-restart',
    async inject ({ cluster, beforeRedisKill, afterRedisRestart }) {
      await beforeRedisKill()
      await cluster.redis.kill9()
      await sleep(1000)
      await cluster.redis.restart()
      await afterRedisRestart()
      return 'kill -9 redis-server, restarted on its AOF after 1 s'
    }
  },
  {
    name: 'redis-pause',
    async inject ({ cluster, timeoutMs }) {
      const ms = Math.round(timeoutMs * 0.4)
      try { process.kill(cluster.redis.pid, 'SIGSTOP') } catch { /* gone */ }
      await sleep(ms)
      try { process.kill(cluster.redis.pid, 'SIGCONT') } catch { /* gone */ }
      return `SIGSTOP redis-server for ${ms} ms (0.4 x the session timeout)`
    }
  }
]
