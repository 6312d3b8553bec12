#!/usr/bin/env node
'use strict'
// The container HEALTHCHECK (the slim image has no curl): exit 0 if the
// process answers, 1 if not, within 3 s.
//
//   node bin/healthcheck.js [url]
//
// url: http://host:port/path (200-299 is healthy) or tcp://host:port (the
// port accepts: a sidecar has no HTTP port). Default: REDKEEPER_HEALTHCHECK_URL,
// else http://127.0.0.1:<REDKEEPER_HTTP_PORT or 8080>/healthz.
const net = require('node:net')

const url = process.argv[2] || process.env.REDKEEPER_HEALTHCHECK_URL ||
  `http://127.0.0.1:${process.env.REDKEEPER_HTTP_PORT || 8080}/healthz`
const timer = setTimeout(() => fail('no answer within 3 s'), 3000)

function fail (why) {
  process.stderr.write(`healthcheck ${url}: ${why}\n`)
  process.exit(1)
}

let u
try {
  u = new URL(url)
} catch {
  fail('not a URL')
}
if (u.protocol === 'tcp:') {
  const socket = net.connect(Number(u.port), u.hostname)
  socket.on('connect', () => { socket.destroy(); clearTimeout(timer); process.exit(0) })
  socket.on('error', (err) => fail(err.code || err.message))
} else if (u.protocol === 'http:' || u.protocol === 'https:') {
  fetch(u).then((res) => {
    clearTimeout(timer)
    if (res.ok) process.exit(0)
    fail(`HTTP ${res.status}`)
  }, (err) => fail((err.cause && err.cause.code) || err.message))
} else {
  fail('only http://, https:// and tcp:// are checked')
}
