// The embedded store: the engine's Storage over memory, durable through a
// write-ahead log and snapshots in one data directory.
export { EmbeddedStore, type EmbeddedStoreOptions, type EmbeddedStoreStats } from './store'
export { StoreOpenError, StoreStateError } from './errors'
