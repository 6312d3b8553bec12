// The hostile-input limits, declared once so help, env and config file agree:
// connections per address on the commands that own a ZooKeeper port (`start`,
// `sidecar`), watches per session where the engine runs (`start`, `node`).

import { DEFAULT_MAX_CLIENT_CNXNS, DEFAULT_MAX_WATCHES_PER_SESSION } from '../server/client-limit'
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT } from '../server/outstanding'
import { nonNegativeInt, positiveInt, type Setting } from './settings'

export const MAX_CLIENT_CNXNS: Setting<number> = {
  flag: 'max-client-cnxns',
  env: 'REDKEEPER_MAX_CLIENT_CNXNS',
  arg: '<n>',
  parse: nonNegativeInt,
  defaultText: String(DEFAULT_MAX_CLIENT_CNXNS),
  help: "open connections per client address on the ZooKeeper port (ZooKeeper's maxClientCnxns); past it a connection is closed at once; 0 = no limit"
}

export { DEFAULT_MAX_WATCHES_PER_SESSION }

export const MAX_WATCHES_PER_SESSION: Setting<number> = {
  flag: 'max-watches-per-session',
  env: 'REDKEEPER_MAX_WATCHES_PER_SESSION',
  arg: '<n>',
  parse: nonNegativeInt,
  defaultText: '1000000',
  help: 'watch registrations one session may hold; past it a request setting a watch fails with QUOTAEXCEEDED (-125); 0 = no limit'
}

export { DEFAULT_GLOBAL_OUTSTANDING_LIMIT }

export const GLOBAL_OUTSTANDING_LIMIT: Setting<number> = {
  flag: 'global-outstanding-limit',
  env: 'REDKEEPER_GLOBAL_OUTSTANDING_LIMIT',
  arg: '<n>',
  parse: positiveInt,
  defaultText: String(DEFAULT_GLOBAL_OUTSTANDING_LIMIT),
  help: "requests received and not yet answered, per process (ZooKeeper's globalOutstandingLimit); past it every connection with one outstanding stops reading until its own are answered"
}
