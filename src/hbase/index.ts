// HBase-aware views of a redkeeper (or ZooKeeper) tree: decode HBase's
// znodes into JSON and summarise a cluster. Used by the REST API, the CLI
// and the web page; see docs/hbase.md ("Decoded views").

export { decodeHBaseZnode } from './decode'
export { summarizeHBase } from './summary'
export type {
  HBaseSummary, MetaLocation, RegionServerSummary, ReplicationPeerSummary, SummaryProblem, SwitchState
} from './summary'
export { ZnodeReadError } from './reader'
export type { HBaseTreeReader } from './reader'
export { zkClientReader } from './zk-reader'
export { parseServerName } from './server-name'
export { HBaseProtoUnavailableError, hbaseProtoRoot, PROTO_FILES } from './proto'
export { stripPbMagic, stripWriterHeader } from './framing'
export type * from './types'
