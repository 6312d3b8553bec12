// The process itself: CPU, memory, event-loop delay, file descriptors,
// under the names prom-client's default metrics use, so existing Node.js
// dashboards read them.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { maxFileDescriptors, openFileDescriptors } from '../server/system'
import type { Exposition } from './exposition'

const startSeconds = Math.floor(Date.now() / 1000)
let loop: IntervalHistogram | undefined

/** Starts sampling the event-loop delay (once per process; the timer is unref'd by Node). */
function loopDelay (): IntervalHistogram {
  if (loop === undefined) {
    loop = monitorEventLoopDelay({ resolution: 20 })
    loop.enable()
  }
  return loop
}

export function startProcessMetrics (): void {
  loopDelay()
}

export function writeProcessMetrics (out: Exposition): void {
  const cpu = process.cpuUsage()
  const mem = process.memoryUsage()
  out.single('process_cpu_user_seconds_total', 'counter', 'User CPU time spent', cpu.user / 1e6)
  out.single('process_cpu_system_seconds_total', 'counter', 'System CPU time spent', cpu.system / 1e6)
  out.single('process_resident_memory_bytes', 'gauge', 'Resident memory size', mem.rss)
  out.single('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch', startSeconds)
  const open = openFileDescriptors()
  if (open !== undefined) out.single('process_open_fds', 'gauge', 'Open file descriptors', open)
  const max = maxFileDescriptors()
  if (max !== undefined) out.single('process_max_fds', 'gauge', 'Maximum number of open file descriptors', max)
  out.single('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use', mem.heapUsed)
  out.single('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated', mem.heapTotal)
  out.single('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (Buffers)', mem.external)
  const h = loopDelay()
  // nanoseconds → seconds; NaN before the first sample
  const s = (ns: number): number => (Number.isFinite(ns) && h.count > 0 ? ns / 1e9 : 0)
  out.single('nodejs_eventloop_lag_mean_seconds', 'gauge', 'Mean event-loop delay since the last scrape', s(h.mean))
  out.single('nodejs_eventloop_lag_p99_seconds', 'gauge', '99th percentile event-loop delay since the last scrape', s(h.percentile(99)))
  out.single('nodejs_eventloop_lag_max_seconds', 'gauge', 'Largest event-loop delay since the last scrape', s(h.max))
  h.reset()
}
