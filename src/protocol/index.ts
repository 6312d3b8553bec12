// The ZooKeeper wire codec (jute), shared by the server and the raw client.

export * from './errors'
export * from './jute'
export * from './frames'
export * from './types'
export { STAT_SIZE, readStat, writeStat, readAcls, writeAcls } from './records'
export * from './connect'
export * from './requests'
export * from './replies'
