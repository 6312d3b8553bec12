// The hostile-input limits shared by `start` and `sidecar` (the commands that
// own a ZooKeeper port), declared once so help, env and config file agree.

import { DEFAULT_MAX_CLIENT_CNXNS } from '../server/client-limit'
import { nonNegativeInt, type Setting } from './settings'

export const MAX_CLIENT_CNXNS: Setting<number> = {
  flag: 'max-client-cnxns',
  env: 'REDKEEPER_MAX_CLIENT_CNXNS',
  arg: '<n>',
  parse: nonNegativeInt,
  defaultText: String(DEFAULT_MAX_CLIENT_CNXNS),
  help: "open connections per client address on the ZooKeeper port (ZooKeeper's maxClientCnxns); past it a connection is closed at once; 0 = no limit"
}
