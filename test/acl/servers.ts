// Real ZooKeeper 3.8 and redkeeper (embedded, and sidecar → node → Redis)
// started with one auth configuration: ZooKeeper by its system properties,
// redkeeper by the flags that stand for them. The JAAS file is shared.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedkeeper } from '../support/redkeeper'
import { startTopology } from '../support/topology'
import { startZooKeeper } from '../support/zookeeper'
import { serverJaas, SUPER_DIGEST } from './scenario'

export type ServerName = 'zookeeper' | 'embedded' | 'node1'

export interface Started {
  name: ServerName
  host: string
  port: number
  address: string
}

export interface AuthSetup {
  /** extra ZooKeeper system properties (-D...) */
  jvmFlags?: string[]
  /** the redkeeper flags that stand for them */
  args?: string[]
  /** JAAS section name (default Server) */
  section?: string
}

export interface Servers {
  dir: string
  jaasFile: string
  servers: Started[]
  get: (name: ServerName) => Started
  stop: () => Promise<void>
}

/**
 * Starts `names` with the ACL suite's base configuration (superDigest, SASL
 * users, superUser "super") plus `setup`, in parallel.
 */
export async function startServers (names: readonly ServerName[], setup: AuthSetup = {}): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), 'rk-auth-'))
  const jaasFile = join(dir, 'server.jaas')
  const section = setup.section ?? 'Server'
  writeFileSync(jaasFile, serverJaas().replace(/^Server \{/m, `${section} {`))
  const rkArgs = ['--super-digest', SUPER_DIGEST, '--sasl-users', jaasFile, '--sasl-super-user', 'super', ...(setup.args ?? [])]
  const stops: Array<() => Promise<unknown>> = []
  const start = async (name: ServerName): Promise<Started> => {
    switch (name) {
      case 'zookeeper': {
        const zk = await startZooKeeper({
          jvmFlags: [
            `-Dzookeeper.DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}`,
            '-Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
            '-Dzookeeper.superUser=super',
            `-Djava.security.auth.login.config=${jaasFile}`,
            ...(setup.jvmFlags ?? [])
          ]
        })
        stops.push(() => zk.stop())
        return { name, host: zk.host, port: zk.port, address: zk.address }
      }
      case 'embedded': {
        const rk = await startRedkeeper({ args: rkArgs })
        stops.push(() => rk.destroy())
        return { name, host: rk.host, port: rk.port, address: rk.address }
      }
      case 'node1': {
        const topo = await startTopology('node1', { node: { args: rkArgs } })
        stops.push(() => topo.stop())
        return { name, host: topo.host, port: topo.port, address: topo.address }
      }
    }
  }
  const stop = async (): Promise<void> => {
    await Promise.all(stops.map((s) => s()))
    rmSync(dir, { recursive: true, force: true })
  }
  let servers: Started[]
  try {
    servers = await Promise.all(names.map(start))
  } catch (err) {
    await stop()
    throw err
  }
  return {
    dir,
    jaasFile,
    servers,
    get: (name) => {
      const s = servers.find((x) => x.name === name)
      if (s === undefined) throw new Error(`${name} was not started`)
      return s
    },
    stop
  }
}
