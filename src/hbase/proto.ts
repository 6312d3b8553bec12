// HBase's own .proto definitions, loaded with protobufjs on first use. They
// are not in this repository (they are HBase's code): `npm run build` fetches
// them from Maven Central into dist/hbase-proto/ (scripts/hbase/fetch-proto.js).
//
// The messages live in the proto package `hbase.pb` (the Java side shades them
// into org.apache.hadoop.hbase.shaded.protobuf.generated, which changes nothing
// on the wire), except RegionNormalizerState, whose file declares no package.

import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Root, type Type } from 'protobufjs'

/** The files src/hbase needs; scripts/hbase/fetch-proto.js puts exactly these in place. */
export const PROTO_FILES = [
  'ZooKeeper.proto', 'ClusterId.proto', 'LoadBalancer.proto', 'RegionNormalizer.proto',
  'SnapshotCleanup.proto', 'Replication.proto', 'HBase.proto', 'ClusterStatus.proto', 'FS.proto'
] as const

/** The .proto files are missing or unreadable: an installation problem, not bad znode data. */
export class HBaseProtoUnavailableError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HBaseProtoUnavailableError'
  }
}

/** Where to look: an explicit override, the built layout (dist/src/hbase → dist/hbase-proto), the source layout (src/hbase → dist/hbase-proto). */
function candidateDirs (): string[] {
  const env = process.env.REDKEEPER_HBASE_PROTO_DIR
  return [
    ...(env !== undefined && env !== '' ? [env] : []),
    join(__dirname, '..', '..', 'hbase-proto'),
    join(__dirname, '..', '..', 'dist', 'hbase-proto')
  ]
}

let root: Root | undefined

/** The loaded definitions (once per process). Throws HBaseProtoUnavailableError when they are not installed. */
export function hbaseProtoRoot (): Root {
  if (root !== undefined) return root
  const dirs = candidateDirs()
  const dir = dirs.find((d) => existsSync(join(d, 'ZooKeeper.proto')))
  if (dir === undefined) {
    throw new HBaseProtoUnavailableError(`HBase .proto files not found (looked in ${dirs.join(', ')}); run npm run build, which fetches them`)
  }
  const r = new Root()
  // Imports are bare file names ("HBase.proto"): all of them sit in one folder.
  r.resolvePath = (_origin, target) => join(dir, basename(target))
  try {
    r.loadSync(PROTO_FILES.map((f) => join(dir, f)), { keepCase: true })
    r.resolveAll()
  } catch (err) {
    throw new HBaseProtoUnavailableError(`HBase .proto files in ${dir} do not load: ${(err as Error).message}`)
  }
  root = r
  return r
}

const types = new Map<string, Type>()

/** A message type by its full name, e.g. "hbase.pb.Master". */
export function hbaseType (name: string): Type {
  let t = types.get(name)
  if (t === undefined) {
    t = hbaseProtoRoot().lookupType(name)
    types.set(name, t)
  }
  return t
}
