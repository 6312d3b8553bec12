// Certificate reload without a restart, for every TLS listener (the secure
// ZooKeeper port, the HTTPS API): when a key, certificate or CA file
// changes, new handshakes use the new files; connections already up keep
// theirs. ZooKeeper 3.8 does this for its quorum TLS (X509Util's
// FileChangeWatcher on the files' directories, sslQuorumReloadCertFiles);
// here it is always on, for the client-facing listeners, and SIGHUP forces
// a reload as well.
//
// Directories are watched rather than files: an editor's save, `cp`, an
// atomic rename and Kubernetes' `..data` symlink swap all show up there,
// while a watch on the file itself would follow the replaced inode. Any
// event in a watched directory schedules one debounced check, which re-reads
// the files and applies them only if their bytes changed, so the unrelated
// files of a directory cost a few reads and nothing else. A set that does
// not load (unreadable, not PEM, key and certificate not a pair: e.g. caught
// half-written) is logged and the current context stays; the next change
// is checked again.

import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import type { Logger } from 'pino'
import { loadTlsOptions, type TlsFiles } from './tls'

/** What a TLS listener must offer: node:tls Server and https.Server both do. */
export interface SecureContextHolder {
  setSecureContext(options: SecureContextOptions): void
}

export interface ReloadTarget {
  /** for the logs: "secure client port", "HTTPS" */
  what: string
  files: TlsFiles
  server: SecureContextHolder
}

export interface CertReloader {
  /** Re-reads every target's files now and applies those that changed (`force`: apply even when unchanged). */
  reload(reason: string, force?: boolean): void
  /** Stops watching and forgets SIGHUP. */
  close(): void
}

export interface ReloadOptions {
  /** quiet time after the last file event before the files are read (default 200 ms) */
  debounceMs?: number
  /** reload on SIGHUP (default true) */
  sighup?: boolean
}

const DEFAULT_DEBOUNCE_MS = 200

interface Tracked extends ReloadTarget {
  /** digest of the bytes now in use */
  digest: string
  /** digest of the last bytes that failed to load: said once, not at every event in the directory */
  failed?: string
}

/** Starts watching the targets' files; the targets already use the files as they are now. */
export function watchCertificates (targets: ReloadTarget[], log: Logger, opts: ReloadOptions = {}): CertReloader {
  const tracked: Tracked[] = targets.map((t) => ({ ...t, digest: digestOf(t.files) ?? '' }))
  return watchFiles(tracked.flatMap((t) => filesOf(t.files)), (reason, force) => {
    for (const t of tracked) apply(t, reason, force, log)
  }, log, opts)
}

/**
 * The watching half, for any set of files read at start (certificates here,
 * the sidecar's upstream CA): `check` runs once after a quiet
 * `debounceMs` following any event in the files' directories, and at
 * SIGHUP with `force`. `check` compares the bytes itself.
 */
export function watchFiles (files: readonly string[], check: (reason: string, force: boolean) => void, log: Logger, opts: ReloadOptions = {}): CertReloader {
  const debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const reload = (reason: string, force = false): void => {
    if (closed) return
    check(reason, force)
  }
  const schedule = (): void => {
    if (closed) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      reload('file change')
    }, debounceMs)
    // a pending check must not keep a stopping process alive
    timer.unref()
  }

  const watchers: FSWatcher[] = []
  for (const dir of new Set(files.map((f) => dirname(resolve(f))))) {
    try {
      const w = watch(dir, { persistent: false }, schedule)
      w.on('error', (err) => log.warn({ dir, err: err.message }, 'TLS reload: watching the certificate directory failed; SIGHUP still reloads'))
      watchers.push(w)
    } catch (err) {
      log.warn({ dir, err: (err as Error).message }, 'TLS reload: cannot watch the certificate directory; SIGHUP still reloads')
    }
  }
  const onHup = (): void => reload('SIGHUP', true)
  if (opts.sighup !== false) process.on('SIGHUP', onHup)

  return {
    reload,
    close () {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      for (const w of watchers) w.close()
      process.off('SIGHUP', onHup)
    }
  }
}

function apply (t: Tracked, reason: string, force: boolean, log: Logger): void {
  const digest = digestOf(t.files)
  if (!force && (digest === t.digest || (digest !== undefined && digest === t.failed))) return
  let options: SecureContextOptions
  try {
    const loaded = loadTlsOptions(t.files, t.what)
    options = { key: loaded.key, cert: loaded.cert, ...(loaded.ca === undefined ? {} : { ca: loaded.ca }), ...(loaded.passphrase === undefined ? {} : { passphrase: loaded.passphrase }) }
    // built once to check it before the server sees it: setSecureContext
    // keeps some of its arguments even when it throws
    createSecureContext(options)
  } catch (err) {
    // the digest in use stays: a fixed file is tried again, the same bad bytes are not reported again
    t.failed = digest
    log.error({ what: t.what, reason, err: (err as Error).message }, `${t.what}: TLS reload failed (${(err as Error).message}); keeping the current certificate`)
    return
  }
  t.server.setSecureContext(options)
  t.digest = digest ?? ''
  t.failed = undefined
  log.info({ what: t.what, reason, ...describe(options.cert) }, `${t.what}: TLS certificate reloaded`)
}

function filesOf (files: TlsFiles): string[] {
  return [files.keyFile, files.certFile, ...(files.caFile === undefined ? [] : [files.caFile])]
}

/** One digest over the files' bytes, or undefined if one cannot be read (apply reports it). */
function digestOf (files: TlsFiles): string | undefined {
  const h = createHash('sha256')
  try {
    // by path every time: a symlink swap is followed
    for (const f of filesOf(files)) h.update(basename(f)).update('\0').update(readFileSync(f))
  } catch {
    return undefined
  }
  return h.digest('hex')
}

/** The leaf certificate's subject, expiry and fingerprint, for the log line. */
function describe (cert: SecureContextOptions['cert']): Record<string, string> {
  try {
    const pem = Array.isArray(cert) ? cert[0] : cert
    if (pem === undefined) return {}
    const x = new X509Certificate(pem as string | Buffer)
    return { subject: x.subject.replace(/\n/g, ', '), validTo: x.validTo, fingerprint256: x.fingerprint256 }
  } catch {
    return {}
  }
}

/** Fastify's server typed as plain http: the https.Server it is when given `https` options. */
export function asSecureContextHolder (server: unknown): SecureContextHolder {
  const s = server as Partial<SecureContextHolder>
  if (typeof s.setSecureContext !== 'function') throw new TypeError('not a TLS server')
  return s as SecureContextHolder
}
