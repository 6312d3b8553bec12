// The version strings the server reports. ZooKeeper clients and tools parse
// `srvr`/`mntr` output (go-zookeeper's FLWSrvr with regexes), so we present
// ourselves as 3.8.0 with our own version as the build tag, in ZooKeeper's
// "<version>-<tag>, built on <yyyy-MM-dd HH:mm> UTC" layout.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

const ZOOKEEPER_COMPAT = '3.8.0'

/** Finds our package.json from either src/ (ts) or dist/src/ (compiled). */
function findPackageJson (): string | undefined {
  let dir = __dirname
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }
        if (pkg.name === 'redkeeper') return candidate
      } catch { /* not ours; keep walking */ }
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return undefined
}

function readVersion (file: string | undefined): string {
  if (file === undefined) return '0.0.0'
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
}

function pad2 (n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** ZooKeeper's build-date layout: 2022-02-25 08:49 UTC. */
export function formatBuildDate (d: Date): string {
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`
}

const pkgFile = findPackageJson()

/** redkeeper's own version, from package.json. */
export const REDKEEPER_VERSION = readVersion(pkgFile)

/** What `srvr`, `stat`, `mntr` and `envi` report as the ZooKeeper version. */
export const ZK_VERSION = `${ZOOKEEPER_COMPAT}-redkeeper-${REDKEEPER_VERSION}`

// The "build" date is when this module was compiled (its file's mtime): the
// closest honest equivalent of ZooKeeper's build timestamp.
const builtOn = formatBuildDate(statSync(__filename).mtime)

export const ZK_FULL_VERSION = `${ZK_VERSION}, built on ${builtOn}`
