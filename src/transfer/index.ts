// Copying a ZooKeeper tree between ZooKeeper-protocol servers and dump files,
// over the client protocol only: redkeeper (embedded or through a sidecar)
// and Apache ZooKeeper alike. Used by `redkeeper export` and `redkeeper import`.

export * from './errors'
export * from './format'
export { parseBodyLine, parseHeader } from './parse'
export * from './endpoint'
export { readTree, type ReadOptions } from './reader'
export { writeTree, assertTargetFree, type ExistingMode, type WriteOptions, type WriteSummary } from './writer'
export { checkDump, readDump, writeDump, type DumpSummary } from './dump-file'
export { liftSequence, sequentialSuffix, FILLER_PREFIX } from './sequence'
