// The Redis store: the engine compiled to a Redis Function library, and the
// client that calls it. See docs/architecture.md, "Engine inside Redis".
export { RedisEngine, type RedisEngineOptions, type ExpireOutcome, type SweepOutcome, type SweepRequest, type QueuedEvent, type ExecResult, type AttachAttempt, type RedisStats, type FcallObserver } from './engine'
export { decodeNotice, noticeChannel, type Notice, type SubscribeOptions } from './subscriber'
export { BadLibraryError, BadNamespaceError, BadNoticeError, LibraryNotBuiltError, RedisEngineError, StoreFormatError } from './errors'
export { STORE_FORMAT, LIBRARIES_KEY, LIBRARY_IN_USE_MS, LIBRARY_MARK_EVERY_MS, LIBRARY_PRUNE_EVERY_MS, libraryName, functionName, markLibraryInUse, pruneLibraries, checkStoreFormat } from './libraries'
export { defaultLibraryPath, readLibrary, libraryVersion, LIBRARY_NAME } from './library'
export { encode as encodeMsgpack, decode as decodeMsgpack, MsgpackError } from './msgpack'
export { createRedis, sentinelOptions, RedisUrlError } from './url'
export { RedisInspector, INSPECT_BATCH } from './inspect'
export { ReplicaWaiter, ReplicaAckError, type ReplicaWaitOptions } from './replica-wait'
