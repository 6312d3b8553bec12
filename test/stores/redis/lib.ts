// Builds the Lua library once per test file, into a temp file, so parallel
// suites never race on dist/lua and every run tests the current sources.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeAtExit } from '../../support/proc'

interface BuildLua {
  buildLua(out?: string): { file: string; source: string; version: string }
  wrapBundle(bundle: string): { source: string; version: string }
}

// plain CommonJS build script, loaded as is
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const buildScript = require('../../../scripts/build-lua.js') as BuildLua

let cached: string | undefined

export function buildLibrary(): string {
  if (cached !== undefined) return cached
  const dir = mkdtempSync(join(tmpdir(), 'rk-lualib-'))
  removeAtExit(dir)
  cached = buildScript.buildLua(join(dir, 'redkeeper.lua')).source
  return cached
}
