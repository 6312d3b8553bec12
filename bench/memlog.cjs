'use strict'
// A memory sampler preloaded into a process under study, never into a
// deployment: NODE_OPTIONS="--require <this file>" MEMLOG_FILE=<path>
// [MEMLOG_MS=10000]. Every MEMLOG_MS it appends one JSON line: what Node
// reports (rss, heapTotal, heapUsed, external, arrayBuffers), each V8 heap
// space's size and use (KiB), and the kernel's split of the RSS
// (/proc/self/status: anonymous vs file-backed; /proc/self/smaps: the malloc
// heap and the anonymous mappings). bench/sidecar-memory.ts uses it on a
// sidecar. On SIGUSR2 it runs a full GC first and writes a line marked
// "gc": true: the heap's live size, which V8's own schedule of full GCs
// would otherwise hide under garbage for minutes. Without MEMLOG_FILE it
// does nothing.
const fs = require('node:fs')
const v8 = require('node:v8')

const file = process.env.MEMLOG_FILE
const every = Number(process.env.MEMLOG_MS || 10000)

/** KiB of RSS in the malloc heap ([heap]), in anonymous mappings, and in file mappings */
function mappings () {
  let text
  try { text = fs.readFileSync('/proc/self/smaps', 'utf8') } catch { return null }
  const out = { mallocHeap: 0, anon: 0, file: 0 }
  let name = null
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head !== null) { name = head[1]; continue }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss === null || name === null) continue
    const kb = Number(rss[1])
    if (name === '[heap]') out.mallocHeap += kb
    else if (name === '' || name.startsWith('[anon')) out.anon += kb
    else out.file += kb
  }
  return out
}

/** VmRSS, RssAnon, RssFile, VmHWM (KiB) and Threads from /proc/self/status */
function status () {
  const text = fs.readFileSync('/proc/self/status', 'utf8')
  const out = {}
  for (const key of ['VmRSS', 'RssAnon', 'RssFile', 'VmHWM', 'Threads']) {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)
    if (m !== null) out[key] = Number(m[1])
  }
  return out
}

if (file) {
  const t0 = Date.now()
  const sample = (gc) => {
    const mu = process.memoryUsage()
    const spaces = {}
    for (const s of v8.getHeapSpaceStatistics()) {
      if (s.space_size > 0) spaces[s.space_name] = [Math.round(s.space_size / 1024), Math.round(s.space_used_size / 1024)]
    }
    const now = Date.now()
    const line = { at: now, t: (now - t0) / 1000, gc, rss: mu.rss, heapTotal: mu.heapTotal, heapUsed: mu.heapUsed, external: mu.external, arrayBuffers: mu.arrayBuffers, spaces, status: status(), mappings: mappings() }
    fs.appendFileSync(file, JSON.stringify(line) + '\n')
  }
  setInterval(() => sample(false), every).unref()
  // --expose-gc is refused in NODE_OPTIONS: set at run time, gc() is taken from a fresh context
  v8.setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  process.on('SIGUSR2', () => {
    gc()
    sample(true)
  })
}
