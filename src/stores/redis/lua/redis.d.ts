/** @noSelfInFile */
// The few Lua and Redis built-ins the adapter uses, as Redis 7 exposes them
// to a Function at FCALL time. Deliberately narrow: redis.call takes strings
// only, because Redis turns a Lua number argument into text with "%.14g",
// which silently rounds zxids and session ids above 10^14 (see num.ts).

declare namespace redis {
  function call(command: string, ...args: string[]): unknown
  function error_reply(message: string): unknown
  function sha1hex(data: string): string
  function log(level: number, message: string): void
  const LOG_WARNING: number
}

declare namespace cmsgpack {
  function pack(value: unknown): string
  function unpack(data: string): unknown
}

/** Redis's lua-struct: fixed-layout binary packing; '>d' is a big-endian IEEE double, exact for every number. */
declare namespace struct {
  function pack(fmt: string, ...values: number[]): string
  function unpack(fmt: string, data: string): LuaMultiReturn<number[]>
}

declare namespace string {
  function format(fmt: string, ...args: (string | number)[]): string
  function char(...codes: number[]): string
}

declare namespace table {
  function concat(list: string[], sep?: string): string
}

declare function tonumber(s: string): number | undefined
declare function error(message: string, level?: number): never
