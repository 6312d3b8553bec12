// The Redis store: the engine compiled to a Redis Function library, and the
// client that calls it. See docs/architecture.md, "Engine inside Redis".
export { RedisEngine, type RedisEngineOptions, type ExpireOutcome } from './engine'
export { BadLibraryError, BadNamespaceError, LibraryNotBuiltError, RedisEngineError } from './errors'
export { defaultLibraryPath, readLibrary, libraryVersion, LIBRARY_NAME } from './library'
export { encode as encodeMsgpack, decode as decodeMsgpack, MsgpackError } from './msgpack'
