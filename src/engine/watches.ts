// setWatches / setWatches2: a reconnecting client re-registers its watches
// with the last zxid it saw; what changed meanwhile fires at once
// (DataTree.setWatches).

import { EventType } from './codes'
import { rootAlias } from './paths'
import type { Context, SetWatchesRequest, Storage, WatchEvent } from './types'

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
  return events
}
