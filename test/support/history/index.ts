// The history checker (see README.md here): record with HistoryRecorder,
// check with checkHistory.

import { checkRegisters, type RegisterReport } from './registers'
import { checkQueues, type QueueReport } from './queues'
import { checkSessions, type SessionReport } from './sessions'
import type { History } from './types'

export { HistoryRecorder, determinate, type History, type LogEntry, type RegisterKind, type RegisterOp } from './types'
export { checkRegisters, describeOp, type KeyVerdict, type RegisterReport } from './registers'
export { checkSessions, type SessionReport, type SessionViolation } from './sessions'
export { checkQueues, describeQueueOp, type QueueOp, type QueueReport, type QueueVerdict, type QueueViolation, type QueueViolationKind } from './queues'
export { checkPartition, type Model, type SearchResult, type Verdict } from './linearizability'

export interface HistoryReport {
  registers: RegisterReport
  sessions: SessionReport
  queues: QueueReport
  /** linearizability violations (keys) + FIFO + watch-before-data + stray events + queue violations */
  violations: number
  /** every violation, readable, for the test output */
  details: string[]
}

export function checkHistory (h: History, timeLimitMs = 30_000): HistoryReport {
  const t0 = performance.now()
  const registers = checkRegisters(h, timeLimitMs)
  const sessions = checkSessions(h)
  // the queues get what is left of the time
  const queues = checkQueues(h.queues ?? [], Math.max(1000, timeLimitMs - (performance.now() - t0)))
  const details = [
    ...registers.violations.map((k) => `not linearizable: ${k.key}\n${(k.detail ?? []).join('\n')}`),
    ...sessions.violations.map((v) => `${v.kind}: session ${v.session}: ${v.detail}`),
    ...queues.violations.map((v) => `queue ${v.kind}: ${v.queue}: ${v.detail}`)
  ]
  return { registers, sessions, queues, violations: registers.violations.length + sessions.violations.length + queues.violations.length, details }
}
