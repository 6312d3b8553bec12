// The watch requests: setWatches / setWatches2 (a reconnecting client
// re-registers its watches with the last zxid it saw; what changed meanwhile
// fires at once, DataTree.setWatches), addWatch, checkWatches and
// removeWatches. What fires when is txn.ts's trigger().

import { Err, EventType, OpCode } from './codes'
import { rootAlias } from './paths'
import { WatchMode, type AddWatchRequest, type Context, type Outcome, type SetWatchesRequest, type Storage, type WatchEvent, type WatchesRequest, type WatchKind } from './types'

/**
 * Whether `session` may take `n` more watch registrations. ZooKeeper has no
 * such limit (its watch tables grow until the heap runs out); past ours the
 * request fails with QUOTAEXCEEDED, the code a client already knows for
 * "a configured resource limit refused this, nothing was changed". An
 * already-held registration counts again: at the limit a client cannot even
 * re-set a watch it has, which keeps the check to one O(1) count.
 */
export function watchRoom(store: Storage, ctx: Context, n: number): boolean {
  const max = ctx.maxWatches
  return max === undefined || store.sessionWatchCount(ctx.session) + n <= max
}

/** Registrations a setWatches request asks for at most (before replayed events take some away). */
export function setWatchesSize(req: SetWatchesRequest): number {
  return req.dataWatches.length + req.existWatches.length + req.childWatches.length +
    2 * (req.persistentWatches.length + req.persistentRecursiveWatches.length)
}

export function setWatches(store: Storage, ctx: Context, req: SetWatchesRequest): WatchEvent[] {
  const events: WatchEvent[] = []
  const session = ctx.session
  const rel = req.relativeZxid
  for (const path of req.dataWatches) {
    const node = store.getNode(rootAlias(path))
    if (node === undefined) events.push({ session, type: EventType.NodeDeleted, path })
    else if (node.mzxid > rel) events.push({ session, type: EventType.NodeDataChanged, path })
    else store.addWatch('data', path, session)
  }
  for (const path of req.existWatches) {
    if (store.getNode(rootAlias(path)) !== undefined) events.push({ session, type: EventType.NodeCreated, path })
    else store.addWatch('data', path, session)
  }
  for (const path of req.childWatches) {
    const node = store.getNode(rootAlias(path))
    if (node === undefined) events.push({ session, type: EventType.NodeDeleted, path })
    else if (node.pzxid > rel) events.push({ session, type: EventType.NodeChildrenChanged, path })
    else store.addWatch('child', path, session)
  }
  // persistent watches cannot have missed a one-shot event: no replay, just
  // registration, in ZooKeeper's table order
  for (const path of req.persistentWatches) {
    store.addWatch('child', path, session, WatchMode.Persistent)
    store.addWatch('data', path, session, WatchMode.Persistent)
  }
  for (const path of req.persistentRecursiveWatches) {
    store.addWatch('child', path, session, WatchMode.Recursive)
    store.addWatch('data', path, session, WatchMode.Recursive)
  }
  return events
}

/**
 * addWatch: a persistent or recursive watch in both tables. ZooKeeper neither
 * validates the path nor needs the node to exist; an unknown mode fails
 * WatcherMode.fromZooDef, which FinalRequestProcessor answers as a
 * marshalling error.
 */
export function addWatch(store: Storage, ctx: Context, req: AddWatchRequest): Outcome {
  const zxid = store.getZxid()
  let mode: WatchMode
  if (req.mode === 0) mode = WatchMode.Persistent
  else if (req.mode === 1) mode = WatchMode.Recursive
  else return { err: Err.MARSHALLINGERROR, zxid, events: [] }
  if (!watchRoom(store, ctx, 2)) return { err: Err.QUOTAEXCEEDED, zxid, events: [] }
  store.addWatch('data', req.path, ctx.session, mode)
  store.addWatch('child', req.path, ctx.session, mode)
  return { err: Err.OK, zxid, events: [] }
}

/** WatcherType.fromInt: 1 children, 2 data, 3 any; undefined for anything else. */
function tables(watcherType: number): WatchKind[] | undefined {
  if (watcherType === 1) return ['child']
  if (watcherType === 2) return ['data']
  if (watcherType === 3) return ['child', 'data']
  return undefined
}

/**
 * checkWatches / removeWatches. The server only answers: the
 * DataWatchRemoved / ChildWatchRemoved events a client sees are made by the
 * client library itself.
 *
 * checkWatches follows ZooKeeper 3.8.0's WatchManager.containsWatcher, which
 * asks whether ANY session watches the path in that table, not whether the
 * asking one does (the oracle our differential tests run against).
 */
/**
 * ZooKeeper's containsWatcher walks up the path's parents whenever any
 * recursive watch exists; for a path that does not start with "/" that walk
 * fails inside the server, which answers MARSHALLINGERROR (every table asked
 * is walked, even after one matched).
 */
function walkFails(store: Storage, path: string): boolean {
  return path !== '' && path.charCodeAt(0) !== 0x2f && store.hasRecursiveWatches()
}

export function watchesRequest(store: Storage, ctx: Context, req: WatchesRequest): Outcome {
  const zxid = store.getZxid()
  const kinds = tables(req.watcherType)
  if (kinds === undefined) return { err: Err.MARSHALLINGERROR, zxid, events: [] }
  let found = false
  for (const kind of kinds) {
    if (req.type === OpCode.removeWatches) {
      if (store.removeWatch(kind, req.path, ctx.session)) found = true
    } else if (store.hasWatchers(kind, req.path)) {
      found = true
    } else if (walkFails(store, req.path)) {
      return { err: Err.MARSHALLINGERROR, zxid, events: [] }
    }
  }
  return { err: found ? Err.OK : Err.NOWATCHER, zxid, events: [] }
}
