// Real pieces for the node tests: a private redis-server (test/support) and
// service nodes started in this process on free ports, each with the Lua
// library built from the current sources (so the tests never run a stale
// dist/).

import pino from 'pino'
import { startNode, type NodeConfig, type RunningNode } from '../../src/node'
import { buildLibrary } from '../stores/redis/lib'
import { startRedis, type RedisHandle } from '../support/redis'

export { startRedis, type RedisHandle }

export interface TestNode extends RunningNode {
  /** the node's pino output, for assertions on what it logged */
  logs: string[]
}

export async function nodeOn (redisUrl: string, opts: Partial<NodeConfig> = {}): Promise<TestNode> {
  const logs: string[] = []
  const logger = pino({ level: process.env.RK_NODE_LOG ?? 'debug' }, {
    write: (line: string) => {
      logs.push(line)
      if (process.env.RK_NODE_LOG !== undefined) process.stderr.write(line)
    }
  })
  const node = await startNode({
    redisUrl,
    host: '127.0.0.1',
    httpPort: 0,
    tickMs: 500,
    fourLetterWhitelist: '*',
    library: buildLibrary(),
    logger,
    ...opts
  })
  return Object.assign(node, { logs })
}

/** GET on a node's HTTP port. */
export async function httpGet (port: number, path: string): Promise<{ status: number, body: string, type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' }
}
