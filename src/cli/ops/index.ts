// The operator commands over the REST API, for main.ts's table.

import type { Command } from '../command'
import { getCommand, lsCommand, statCommand, treeCommand } from './read'
import { createCommand, deleteCommand, setCommand } from './write'
import { hbaseCommand, sessionsCommand } from './inspect'
import { watchCommand } from './watch'
import { getAclCommand, setAclCommand } from './acl'

export const OPS_COMMANDS: readonly Command[] = [lsCommand, getCommand, statCommand, treeCommand, createCommand, setCommand, deleteCommand, getAclCommand, setAclCommand, watchCommand, sessionsCommand, hbaseCommand]
