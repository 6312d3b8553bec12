// Shared helpers for the embedded store's tests: temp data dirs, znode
// literals, and a full dump of a store's durable state through its public
// Storage API (so reopen tests compare what the engine would see).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import type { Data, ZNode } from '../../../src/engine/types'
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../../src/stores/embedded'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export function tempDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'redkeeper-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

export function znode(data: Data, fields: Partial<ZNode> = {}): ZNode {
  return {
    czxid: 1,
    mzxid: 1,
    ctime: 1700000000000,
    mtime: 1700000000000,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0,
    dataLength: data === null ? 0 : data.length,
    numChildren: 0,
    pzxid: 1,
    data,
    acl: OPEN_ACL,
    ...fields,
  }
}

/** A store that is closed at teardown (close is idempotent, so tests may close it first). */
export async function openStore(t: Teardown, opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const store = await EmbeddedStore.open(opts)
  t.teardown(() => store.close())
  return store
}

/** Log lines the store wrote, parsed: a real pino logger writing into an array. */
export function captureLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) })
  return { logger, lines }
}

/**
 * Everything durable, in a canonical order: the tree walked from "/", the
 * zxid, the sessions with their ephemerals. Data is hex ("null" kept apart
 * from "" for empty).
 */
export function dump(store: EmbeddedStore): unknown {
  const nodes: unknown[] = []
  const walk = (path: string): void => {
    const n = store.getNode(path)
    if (n === undefined) {
      nodes.push({ path, missing: true })
      return
    }
    const children = store.getChildren(path).sort()
    nodes.push({ path, ...n, data: n.data === null ? null : Buffer.from(n.data).toString('hex'), children })
    for (const c of children) walk(path === '/' ? `/${c}` : `${path}/${c}`)
  }
  if (store.getNode('/') !== undefined) walk('/')
  const sessions = store
    .sessionIds()
    .sort((a, b) => a - b)
    .map((id) => ({ ...store.getSession(id), ephemerals: store.getEphemerals(id).sort() }))
  const { nodeCount, ephemeralCount, sessionCount, approximateDataSize } = store.stats()
  return { zxid: store.getZxid(), nodes, sessions, counts: { nodeCount, ephemeralCount, sessionCount, approximateDataSize } }
}

/** Spawn arguments that let a child process run a .ts file the way tap runs tests. */
export function tsNodeArgs(): string[] {
  const fromTap = process.execArgv.filter((a) => a.includes('@tapjs/typescript'))
  if (fromTap.length > 0) return fromTap
  return [`--import=${join(__dirname, '../../../node_modules/@tapjs/typescript/dist/esm/import.mjs')}`]
}
