// The engine's data model: what a znode and a session are, what a request and
// its reply look like, and the narrow storage interface the engine runs over.
//
// The engine is compiled twice: by tsc for Node (the embedded store) and by
// typescript-to-lua for Redis (the distributed store). Everything here must
// therefore be plain data: numbers, strings, arrays and object literals.
// Numbers are IEEE doubles in both runtimes, so every id and zxid the engine
// produces stays below 2^53 (see docs/architecture.md).

import type { OpCode, EventType } from './codes'
import type { NodeClass } from './classify'

/**
 * Opaque znode payload: a Uint8Array in Node, a byte string in Lua. The engine
 * never looks inside. `null` is kept distinct from empty, as ZooKeeper does: a
 * znode created with null data returns null (jute length -1) from getData.
 */
export type Bytes = Uint8Array
export type Data = Bytes | null

export type SessionId = number
export type Zxid = number

export interface Id {
  scheme: string
  id: string
}

export interface ACL {
  perms: number
  id: Id
}

export interface Stat {
  czxid: Zxid
  mzxid: Zxid
  ctime: number
  mtime: number
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: SessionId
  dataLength: number
  numChildren: number
  pzxid: Zxid
}

/**
 * A stored znode: Stat fields plus data and ACL, as ZooKeeper's StatPersisted
 * keeps them. numChildren is kept in step with the child set. Note: the stored
 * cversion counts child creations only (it names sequential children); the
 * Stat reported to clients is derived by statOf().
 */
export interface ZNode extends Stat {
  data: Data
  acl: ACL[]
}

export interface SessionRecord {
  id: SessionId
  /** negotiated timeout, ms */
  timeout: number
  /** the 16-byte session password, lower-case hex */
  passwd: string
}

/** Server-side watch tables. `exists` watches live in the data table, as in ZooKeeper. */
export type WatchKind = 'data' | 'child'

/**
 * How a registration fires (ZooKeeper's WatcherMode). One mode per (table,
 * path, session): a later registration replaces the mode, as
 * WatcherModeManager does, so getData(watch) over a persistent watch makes it
 * one-shot again.
 */
export enum WatchMode {
  /** fires once, then is removed */
  Standard = 0,
  /** fires on every change of exactly its path */
  Persistent = 1,
  /** fires on every change of its path or below, except NodeChildrenChanged */
  Recursive = 2,
}

export interface WatchEvent {
  session: SessionId
  type: EventType
  path: string
}

/**
 * The storage primitives. Implementations: the embedded in-memory store (with
 * its write-ahead log) and the Redis store (Lua over Redis keys). Every call is
 * synchronous; the engine buffers a transaction's writes itself and only calls
 * the mutating primitives once the transaction is known to succeed.
 */
export interface Storage {
  getNode(path: string): ZNode | undefined
  /** create or replace */
  putNode(path: string, node: ZNode): void
  deleteNode(path: string): void
  /** child names, in no particular order */
  getChildren(path: string): string[]
  /**
   * Paths of the znodes classify() (classify.ts) puts in `cls`, in no
   * particular order. The store keeps this index itself, from putNode and
   * deleteNode, so that the container/TTL sweep never scans the tree. The
   * array may be shared between calls (every create asks for the quota
   * index): callers must not mutate it.
   */
  indexed(cls: NodeClass): readonly string[]
  /** znode data as text (UTF-8), and back: quota stats are text the engine edits (quota.ts) */
  text(data: Bytes): string
  bytes(text: string): Bytes
  addChild(parent: string, name: string): void
  removeChild(parent: string, name: string): void

  /** last committed zxid */
  getZxid(): Zxid
  setZxid(zxid: Zxid): void

  getSession(id: SessionId): SessionRecord | undefined
  putSession(session: SessionRecord): void
  deleteSession(id: SessionId): void
  getEphemerals(id: SessionId): string[]
  addEphemeral(id: SessionId, path: string): void
  removeEphemeral(id: SessionId, path: string): void
  /** sessions whose deadline is at or before `now` (the session tracker's job is the store's) */
  expiredSessions(now: number): SessionId[]

  /** register (or re-register with a new mode); mode defaults to Standard */
  addWatch(kind: WatchKind, path: string, session: SessionId, mode?: WatchMode): void
  /**
   * The sessions watching exactly `path` in table `kind`, in any mode but
   * Recursive unless `withRecursive`. Standard registrations are removed
   * (they are one-shot); persistent and recursive ones stay.
   */
  takeWatchers(kind: WatchKind, path: string, withRecursive?: boolean): SessionId[]
  /** sessions holding a Recursive registration on exactly `path` in table `kind` (nothing is removed) */
  recursiveWatchers(kind: WatchKind, path: string): SessionId[]
  /** whether any session holds a Recursive registration anywhere: lets a trigger skip the ancestor walk */
  hasRecursiveWatches(): boolean
  /** whether any session watches exactly `path` in table `kind` */
  hasWatchers(kind: WatchKind, path: string): boolean
  /** remove one session's registration (any mode); false when it held none */
  removeWatch(kind: WatchKind, path: string, session: SessionId): boolean
  /** forget every watch a session holds (on close or expiry) */
  dropWatches(session: SessionId): void
  /** how many (table, path) registrations `session` holds: the max-watches limit reads it on every watch set, so O(1) where possible */
  sessionWatchCount(session: SessionId): number
}

/** Who is asking, and when. `now` is wall-clock ms, used for ctime/mtime. */
export interface Context {
  session: SessionId
  now: number
  /** authenticated identities of the connection (world:anyone is implied) */
  auth: Id[]
  /**
   * The most (table, path) watch registrations one session may hold; a
   * request that would set a watch past it fails with QUOTAEXCEEDED and sets
   * nothing. Absent: no limit. Carried in the context (not a store option)
   * so the Redis library applies the embedded server's rule unchanged.
   */
  maxWatches?: number
}

// ---- requests (decoded jute records, tagged with their opcode) ----

/**
 * Path validity as ZooKeeper's PathUtils.validatePath sees it (UTF-16 code
 * units). Computed in JavaScript by prepareRequest() before the engine runs,
 * because Lua strings are bytes; the engine reads it where ZooKeeper would
 * validate, so the error order stays ZooKeeper's.
 */
export enum PathState {
  Valid = 0,
  Invalid = 1,
  /** contains U+0000 (also invalid) */
  HasNul = 2,
}

/** Annotations added by prepareRequest(); absent means "not checked yet". */
export interface Prepared {
  pathState?: PathState
  /** some ACL entry names an unknown scheme or an id its scheme rejects */
  aclInvalid?: boolean
}

export interface CreateRequest extends Prepared {
  type: OpCode.create | OpCode.create2 | OpCode.createContainer
  path: string
  data: Data
  dataLength: number
  acl: ACL[]
  flags: number
}
export interface CreateTTLRequest extends Prepared {
  type: OpCode.createTTL
  path: string
  data: Data
  dataLength: number
  acl: ACL[]
  flags: number
  ttl: number
}
export interface DeleteRequest extends Prepared {
  type: OpCode.delete | OpCode.deleteContainer
  path: string
  version: number
}
export interface PathWatchRequest extends Prepared {
  type: OpCode.exists | OpCode.getData | OpCode.getChildren | OpCode.getChildren2
  path: string
  watch: boolean
}
export interface SetDataRequest extends Prepared {
  type: OpCode.setData
  path: string
  data: Data
  dataLength: number
  version: number
}
export interface PathRequest extends Prepared {
  type: OpCode.getACL | OpCode.sync | OpCode.getAllChildrenNumber
  path: string
}
export interface GetEphemeralsRequest {
  type: OpCode.getEphemerals
  prefixPath: string
}
export interface SetACLRequest extends Prepared {
  type: OpCode.setACL
  path: string
  acl: ACL[]
  version: number
}
export interface CheckRequest extends Prepared {
  type: OpCode.check
  path: string
  version: number
}
/** A sub-operation of multi or multiRead. */
export type SubRequest = CreateRequest | CreateTTLRequest | DeleteRequest | SetDataRequest | CheckRequest | PathWatchRequest
export interface MultiRequest {
  type: OpCode.multi | OpCode.multiRead
  ops: SubRequest[]
}
export interface SetWatchesRequest {
  type: OpCode.setWatches | OpCode.setWatches2
  relativeZxid: Zxid
  dataWatches: string[]
  existWatches: string[]
  childWatches: string[]
  persistentWatches: string[]
  persistentRecursiveWatches: string[]
}
export interface CloseSessionRequest {
  type: OpCode.closeSession
}
export interface AddWatchRequest {
  type: OpCode.addWatch
  path: string
  /** AddWatchMode: 0 persistent, 1 persistent recursive */
  mode: number
}
/** CheckWatchesRequest / RemoveWatchesRequest; jute's `type` field is `watcherType` here. */
export interface WatchesRequest {
  type: OpCode.checkWatches | OpCode.removeWatches
  path: string
  /** WatcherType: 1 children, 2 data, 3 any */
  watcherType: number
}

export type Request =
  | CreateRequest
  | CreateTTLRequest
  | DeleteRequest
  | PathWatchRequest
  | SetDataRequest
  | PathRequest
  | GetEphemeralsRequest
  | SetACLRequest
  | CheckRequest
  | MultiRequest
  | SetWatchesRequest
  | CloseSessionRequest
  | AddWatchRequest
  | WatchesRequest

// ---- replies ----

/** One result inside a multi / multiRead reply (ZooKeeper's OpResult). */
export type OpResult =
  | { type: OpCode.create; path: string }
  | { type: OpCode.create2 | OpCode.createContainer | OpCode.createTTL; path: string; stat: Stat }
  | { type: OpCode.delete | OpCode.deleteContainer }
  | { type: OpCode.setData; stat: Stat }
  | { type: OpCode.check }
  | { type: OpCode.getData; data: Data; stat: Stat }
  | { type: OpCode.getChildren; children: string[] }
  | { type: OpCode.error; err: number }

/**
 * The body of a successful reply. Which fields are set follows the request's
 * opcode, exactly as ZooKeeper's response records do:
 * create → path; create2/createContainer/createTTL → path, stat; exists, setData,
 * setACL → stat; getData → data, stat; getACL → acl, stat; getChildren →
 * children; getChildren2 → children, stat; sync → path; multi/multiRead →
 * results; getEphemerals → paths; getAllChildrenNumber → count.
 */
export interface ReplyBody {
  path?: string
  stat?: Stat
  data?: Data
  acl?: ACL[]
  children?: string[]
  results?: OpResult[]
  paths?: string[]
  count?: number
}

export interface Outcome {
  /** ZooKeeper error code; OK unless the whole request failed */
  err: number
  /** the server's last zxid after this request: the ReplyHeader zxid */
  zxid: Zxid
  /** set when err is OK and the opcode has a response record */
  body?: ReplyBody
  /** watch events this request triggered, in ZooKeeper's delivery order; deliver before the reply */
  events: WatchEvent[]
}
