// The history checker (see README.md here): record with HistoryRecorder,
// check with checkHistory.

import { checkRegisters, type RegisterReport } from './registers'
import { checkSessions, type SessionReport } from './sessions'
import type { History } from './types'

export { HistoryRecorder, determinate, type History, type LogEntry, type RegisterKind, type RegisterOp } from './types'
export { checkRegisters, describeOp, type KeyVerdict, type RegisterReport } from './registers'
export { checkSessions, type SessionReport, type SessionViolation } from './sessions'
export { checkPartition, type Model, type SearchResult, type Verdict } from './linearizability'

export interface HistoryReport {
  registers: RegisterReport
  sessions: SessionReport
  /** linearizability violations (keys) + FIFO + watch-before-data + stray events */
  violations: number
  /** every violation, readable, for the test output */
  details: string[]
}

export function checkHistory (h: History, timeLimitMs = 30_000): HistoryReport {
  const registers = checkRegisters(h, timeLimitMs)
  const sessions = checkSessions(h)
  const details = [
    ...registers.violations.map((k) => `not linearizable: ${k.key}\n${(k.detail ?? []).join('\n')}`),
    ...sessions.violations.map((v) => `${v.kind}: session ${v.session}: ${v.detail}`)
  ]
  return { registers, sessions, violations: registers.violations.length + sessions.violations.length, details }
}
