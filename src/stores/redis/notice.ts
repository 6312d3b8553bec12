// What the Lua library and the Node client agree on for notices, the
// messages published on "{ns}:notice" (compiled into both: keep it plain
// constants). A notice is a MessagePack array whose first element is its kind:
//   [NOTICE_EVENTS, [session...]]    these sessions have new queued events
//   [NOTICE_EXPIRED, [session...]]   these sessions were expired or closed
//   [NOTICE_MOVED, session, owner]   the session was attached to connection `owner`
// Arrays, not maps: a notice goes to every node, so its size is paid N times.

export const NOTICE_EVENTS = 1
export const NOTICE_EXPIRED = 2
export const NOTICE_MOVED = 3

/** Channel name after the namespace key: "{ns}" + NOTICE_CHANNEL. */
export const NOTICE_CHANNEL = ':notice'
