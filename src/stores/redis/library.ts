// Where the built Redis Function library lives, and its version stamp.
// scripts/build-lua.js writes dist/lua/redkeeper.lua at the package root; we
// find the root by walking up from this file, which works both from dist/
// (compiled) and from src/ (tests run the .ts directly).

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BadLibraryError, LibraryNotBuiltError } from './errors'

/** the prefix of the library names: `redkeeper_<version>` (libraries.ts) */
export const LIBRARY_NAME = 'redkeeper'

function packageRoot(from: string): string | undefined {
  let dir = from
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'redkeeper') return dir
      } catch { /* not ours; keep walking */ }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/** Path of the built library (it may not exist yet). */
export function defaultLibraryPath(): string {
  return join(packageRoot(__dirname) ?? process.cwd(), 'dist', 'lua', 'redkeeper.lua')
}

export function readLibrary(file: string = defaultLibraryPath()): string {
  if (!existsSync(file)) throw new LibraryNotBuiltError(file)
  return readFileSync(file, 'utf8')
}

/** The build's version stamp ("-- version <hex>"), also returned by FCALL rk_version_<hex>. */
export function libraryVersion(source: string): string {
  const m = /^-- version ([0-9a-f]+)$/m.exec(source)
  if (m === null) throw new BadLibraryError('not a redkeeper Lua library: no "-- version" line')
  return m[1]
}
