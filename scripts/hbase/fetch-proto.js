#!/usr/bin/env node
// Puts the HBase .proto files that describe HBase's znodes into
// dist/hbase-proto/, for src/hbase to load with protobufjs at run time.
//
// They are HBase's own files, so they are not in this repository: they come
// from the jar org.apache.hbase:hbase-protocol-shaded on Maven Central (same
// version as scripts/hbase/fetch.sh), downloaded over HTTPS once, checked
// against Maven Central's SHA-1, and the needed entries cached in
// ~/.cache/redkeeper/hbase-proto-<version>/. Plain Node (https + zlib), so
// building needs neither a JDK nor Maven. Without the files the decoder
// cannot work, so a failed fetch fails the build with one line instead of
// shipping a dist/ that cannot decode anything.
//
// Usage: node scripts/hbase/fetch-proto.js [dest]   (default dest: dist/hbase-proto)
// Env:   HBASE_VERSION   (default 2.5.10-hadoop3)
//        REDKEEPER_CACHE (default ~/.cache/redkeeper)
//        REDKEEPER_MAVEN_REPO (default https://repo1.maven.org/maven2)
'use strict'

const { createHash } = require('node:crypto')
const fs = require('node:fs')
const https = require('node:https')
const http = require('node:http')
const { homedir } = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')

const version = process.env.HBASE_VERSION || '2.5.10-hadoop3'
const cacheRoot = process.env.REDKEEPER_CACHE || path.join(homedir(), '.cache', 'redkeeper')
const cache = path.join(cacheRoot, `hbase-proto-${version}`)
const dest = process.argv[2] || path.join(__dirname, '..', '..', 'dist', 'hbase-proto')
const repo = (process.env.REDKEEPER_MAVEN_REPO || 'https://repo1.maven.org/maven2').replace(/\/$/, '')
const artifact = `org.apache.hbase:hbase-protocol-shaded:${version}:jar`
const jarUrl = `${repo}/org/apache/hbase/hbase-protocol-shaded/${version}/hbase-protocol-shaded-${version}.jar`
// ZooKeeper.proto and what it, ClusterId, the switch trackers and replication
// peer storage need (imports included: protobufjs resolves them by file name).
// Keep in step with PROTO_FILES in src/hbase/proto.ts.
const FILES = ['ZooKeeper.proto', 'HBase.proto', 'ClusterStatus.proto', 'ClusterId.proto', 'FS.proto',
  'LoadBalancer.proto', 'RegionNormalizer.proto', 'SnapshotCleanup.proto', 'Replication.proto']

function fail (msg) {
  process.stderr.write(`hbase-proto: ${msg}\n`)
  process.exit(1)
}

function get (url, redirects = 5) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http
    const req = lib.get(url, { timeout: 60000 }, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects > 0) {
        res.resume()
        resolve(get(new URL(res.headers.location, url).toString(), redirects - 1))
        return
      }
      if (res.statusCode !== 200) {
        res.resume()
        reject(new Error(`HTTP ${res.statusCode} for ${url}`))
        return
      }
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks)))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timed out fetching ${url}`)))
    req.on('error', reject)
  })
}

/** The named entries of a zip archive (stored or deflated), read from its central directory. */
function unzip (zip, wanted) {
  let eocd = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)')
  const count = zip.readUInt16LE(eocd + 10)
  let p = zip.readUInt32LE(eocd + 16)
  const out = new Map()
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('damaged central directory')
    const method = zip.readUInt16LE(p + 10)
    const csize = zip.readUInt32LE(p + 20)
    const size = zip.readUInt32LE(p + 24)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen)
    p += 46 + nameLen + extraLen + commentLen
    if (!wanted.includes(name)) continue
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`damaged local header for ${name}`)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(start, start + csize)
    const data = method === 0 ? raw : method === 8 ? zlib.inflateRawSync(raw) : undefined
    if (data === undefined) throw new Error(`${name}: unsupported compression method ${method}`)
    if (data.length !== size) throw new Error(`${name}: size ${data.length}, expected ${size}`)
    out.set(name, data)
  }
  return out
}

function cached () {
  return FILES.every((f) => {
    try { return fs.statSync(path.join(cache, f)).size > 0 } catch { return false }
  })
}

async function fetchIntoCache () {
  let jar, sha1
  try {
    [jar, sha1] = await Promise.all([get(jarUrl), get(`${jarUrl}.sha1`)])
  } catch (err) {
    fail(`cannot fetch ${artifact} from Maven Central (needed to decode HBase znodes): ${err.message}`)
  }
  const expected = sha1.toString('utf8').trim().split(/\s+/)[0].toLowerCase()
  const actual = createHash('sha1').update(jar).digest('hex')
  if (actual !== expected) fail(`${artifact}: SHA-1 ${actual} does not match Maven Central's ${expected}`)
  let entries
  try {
    entries = unzip(jar, FILES)
  } catch (err) {
    fail(`${artifact}: ${err.message}`)
  }
  for (const f of FILES) if (!entries.has(f)) fail(`${artifact} has no ${f} (HBASE_VERSION=${version})`)
  // Write into a temporary folder and rename it, so a cache is whole or absent.
  fs.mkdirSync(cacheRoot, { recursive: true })
  const tmp = fs.mkdtempSync(path.join(cacheRoot, `.hbase-proto-${version}-`))
  for (const f of FILES) fs.writeFileSync(path.join(tmp, f), entries.get(f))
  fs.rmSync(cache, { recursive: true, force: true })
  fs.renameSync(tmp, cache)
}

async function main () {
  if (!cached()) await fetchIntoCache()
  fs.mkdirSync(dest, { recursive: true })
  for (const f of FILES) fs.copyFileSync(path.join(cache, f), path.join(dest, f))
  fs.writeFileSync(path.join(dest, 'SOURCE'), `${artifact}\n`)
}

main().catch((err) => fail(err.message))
